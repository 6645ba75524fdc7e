/**
 * `@temporalio/workflow` as the release before local steps saw it, bundled in its place by
 * bundlePreviousRelease(): that release never asked for the local-steps patch, so the patch is
 * off and no marker is recorded for it; every other patch is decided by the SDK as usual. The
 * current workflow code then schedules its steps through the server and records the one-marker
 * patch, exactly the commands the previous release's code sent.
 */
// Imported by a path the bundle's alias (`@temporalio/workflow$`) does not catch.
import { patched as patchedBySdk } from '@temporalio/workflow/lib/index';

export * from '@temporalio/workflow/lib/index';

// The patch id of workflows/chain-runner.ts: if it changes there, the upgrade test fails loudly.
const LOCAL_STEPS_PATCH = 'local-steps-wake-first-final-status';

export function patched(patchId: string): boolean {
  return patchId === LOCAL_STEPS_PATCH ? false : patchedBySdk(patchId);
}
