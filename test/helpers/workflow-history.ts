import type { WorkflowHandle } from '@temporalio/client';

/** The marker Temporal's core SDK records for a finished local activity. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/**
 * The activities a workflow ran, in order, read from its history: those scheduled through the
 * server and the local ones (a chain's steps), each of which is a marker. Once the workflow has
 * closed, this is final: no later email can come from it, so a test need not wait to see none.
 */
export async function scheduledActivities(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const name =
      event.activityTaskScheduledEventAttributes?.activityType?.name ??
      localActivityType(event.markerRecordedEventAttributes);
    return name ? [name] : [];
  });
}

type MarkerAttributes = NonNullable<
  NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number]['markerRecordedEventAttributes']
>;

/** The activity type a local-activity marker records (its `data` detail, JSON from the core SDK). */
function localActivityType(marker: MarkerAttributes | null | undefined): string | undefined {
  if (marker?.markerName !== LOCAL_ACTIVITY_MARKER) return undefined;
  const data = marker.details?.data?.payloads?.[0]?.data;
  if (!data) return undefined;
  const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string };
  return parsed.activity_type;
}
