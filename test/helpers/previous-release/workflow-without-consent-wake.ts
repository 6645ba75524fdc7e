/**
 * `@temporalio/workflow` as the release before the consentGiven signal saw it, bundled in its
 * place by bundleReleaseBeforeConsentWake(): that release never asked for the consent-wake patch,
 * so a consentGiven signal changes nothing, as it did there (no handler: the SDK kept it unread).
 * Every other patch is decided by the SDK as usual.
 */
// Imported by a path the bundle's alias (`@temporalio/workflow$`) does not catch.
import { patched as patchedBySdk } from '@temporalio/workflow/lib/index';

export * from '@temporalio/workflow/lib/index';

// The patch id of workflows/chain-runner.ts: if it changes there, the upgrade test fails loudly.
const CONSENT_WAKES_PATCH = 'consent-given-wakes-deferred-step';

export function patched(patchId: string): boolean {
  return patchId === CONSENT_WAKES_PATCH ? false : patchedBySdk(patchId);
}
