import type { WorkflowHandle } from '@temporalio/client';

/** The marker Temporal's core SDK records for a finished local activity. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
/** The marker it records when a workflow takes a patch (`patched()`), holding the patch's id. */
const PATCH_MARKER = 'core_patch';

/**
 * The activities a workflow ran, in order, read from its history: those scheduled through the
 * server and the local ones (a chain's steps), each of which is a marker. Once the workflow has
 * closed, this is final: no later email can come from it, so a test need not wait to see none.
 */
export async function scheduledActivities(handle: WorkflowHandle): Promise<string[]> {
  return (await activitiesAndPatches(handle)).flatMap((entry) => ('type' in entry ? [entry.type] : []));
}

export interface ActivityRun {
  type: string;
  /** Run by the workflow's own worker and recorded as a marker, not scheduled through the server. */
  local: boolean;
}

/**
 * The activities run, each as scheduled through the server or local, and the patches taken
 * (`patched()`), in history order: shows at which step a running workflow took a patch.
 */
export async function activitiesAndPatches(handle: WorkflowHandle): Promise<(ActivityRun | { patch: string })[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((event): (ActivityRun | { patch: string })[] => {
    const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) return [{ type: scheduled, local: false }];
    const local = localActivityType(event.markerRecordedEventAttributes);
    if (local) return [{ type: local, local: true }];
    const patch = patchId(event.markerRecordedEventAttributes);
    return patch ? [{ patch }] : [];
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

/** The patch a patch marker records (its `patch-data` detail, JSON from the core SDK). */
function patchId(marker: MarkerAttributes | null | undefined): string | undefined {
  if (marker?.markerName !== PATCH_MARKER) return undefined;
  const data = marker.details?.['patch-data']?.payloads?.[0]?.data;
  if (!data) return undefined;
  return (JSON.parse(Buffer.from(data).toString('utf8')) as { id?: string }).id;
}
