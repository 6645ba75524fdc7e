import type { WorkflowHandle } from '@temporalio/client';

/**
 * The activities a workflow scheduled, in order, read from its history. Once the workflow has
 * closed, this is final: no later email can come from it, so a test need not wait to see none.
 */
export async function scheduledActivities(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}
