import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { CHAIN_ACTIVITY_ATTEMPT_MS } from '../domain/activity-timeouts';
import { type ChainOutcome, outcomeOfSkip } from '../domain/chain';
import { customerKeyOf, stepDelay } from '../domain/experiments';
import type { CartChainState, CartChainView } from './definitions';
import { publishChainState } from './search-attributes';

const chainActivityOptions = {
  startToCloseTimeout: CHAIN_ACTIVITY_ATTEMPT_MS,
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
} as const;
/** As scheduled through the server: the steps of histories recorded before local steps. */
const remote = proxyActivities<Activities>(chainActivityOptions);
/**
 * Run by the worker that runs the workflow, inside its workflow task, and recorded as one marker:
 * a step costs Temporal no activity task, no poll and no second workflow task (BENCHMARKS.md,
 * "local steps": a chain's history went from 43 events to 28). It is safe to run again after a
 * crash: its database claim (docs/exactly-once.md), not Temporal, keeps a send to one.
 */
const local = proxyLocalActivities<Activities>({
  ...chainActivityOptions,
  // Every retry waits on a workflow timer, not in the worker's memory: the wait survives a restart,
  // frees the worker, shows in the history, and time-skipping tests skip it.
  localRetryThreshold: '1 second',
});

/** Workflow changes guarded for histories recorded before them (test/replay proves both paths). */
const FINAL_STATUS_PATCH = 'final-search-attributes-on-completion';
const WAKE_FIRST_PATCH = 'wake-before-continue-as-new';
/**
 * Stands in for both patches above: every patch costs a run two history events (its marker and
 * the SDK's upsert of TemporalChangeVersion), so runs started with it carry one marker, not two.
 * Checked first at each site; histories recorded before it replay on the two old checks.
 */
const ONE_MARKER_PATCH = 'one-marker-for-wake-first-and-final-status';
/**
 * Steps and the chain's end run as local activities. It stands in for the patches above too, so a
 * run started with it still carries one marker; histories recorded before it replay on the old
 * checks and schedule their steps through the server.
 */
const LOCAL_STEPS_PATCH = 'local-steps-wake-first-final-status';
const localSteps = () => patched(LOCAL_STEPS_PATCH);
const wakeFirst = () => localSteps() || patched(ONE_MARKER_PATCH) || patched(WAKE_FIRST_PATCH);
const finalStatusOnCompletion = () => localSteps() || patched(ONE_MARKER_PATCH) || patched(FINAL_STATUS_PATCH);
const chainActivities = () => (localSteps() ? local : remote);
/**
 * A consentGiven signal that reached a run of the release before it (a server upgraded before its
 * workers) changed nothing there: with no handler the SDK kept it unread. Replayed by this release
 * it must change nothing either, so only runs that record this patch act on it.
 */
const CONSENT_WAKES_PATCH = 'consent-given-wakes-deferred-step';
/** Continue-as-new carries only the campaigns of the workflow's own trigger into the next run. */
export const OWN_TRIGGER_CAMPAIGNS_PATCH = 'own-trigger-campaigns-on-continue-as-new';

export interface ChainRunnerOptions {
  shopId: string;
  /** The cart id, or the order / customer id a journey is about. */
  subjectId: string;
  state: CartChainState;
  /** Called when Temporal suggests continuing as new; it never returns. */
  continueAsNew: () => Promise<never>;
}

/**
 * The part every chain shares once a campaign is entered: wait for each step's delay (or a
 * deferral), let one activity decide and send, and end on an exit reason, a final skip or a
 * step that failed for good.
 */
export function createChainRunner({ shopId, subjectId, state, continueAsNew }: ChainRunnerOptions) {
  let outcome: ChainOutcome | undefined;

  async function finish(result: ChainOutcome, { recordEnd }: { recordEnd: boolean }): Promise<ChainOutcome> {
    outcome = result;
    if (recordEnd && state.entry) {
      await chainActivities().finishChain({
        workflowId: workflowInfo().workflowId,
        shopId,
        cartId: subjectId,
        outcome,
      });
    }
    // Operators list active chains by CartflowStatus: a completed one must say so too.
    if (result !== 'completed' || finalStatusOnCompletion()) publishChainState(state, outcome);
    return result;
  }

  /** Waits until `state.waitUntil` unless `wake` turns true; continues-as-new when history grows. */
  async function waitOr(wake: () => boolean): Promise<boolean> {
    for (;;) {
      // A signal that arrived in this very task is acted on before continuing as new.
      if (wakeFirst() && wake()) return true;
      if (workflowInfo().continueAsNewSuggested) await continueAsNew();
      const remaining = (state.waitUntil ?? 0) - Date.now();
      if (remaining <= 0 || wake()) return wake();
      const woke = await wakeOrTimeout(() => wake() || workflowInfo().continueAsNewSuggested, remaining);
      if (!woke || wake()) return woke;
    }
  }

  async function runSteps(exitReason: () => ChainOutcome | undefined): Promise<ChainOutcome> {
    const { campaign, enteredAt } = state.entry as NonNullable<CartChainState['entry']>;
    while (state.stepIndex < campaign.steps.length) {
      // The activity measures its freshness window from here (data only: no new commands, so
      // histories from before it replay unchanged).
      let dueAt = state.waitUntil ?? Date.now();
      if (state.waitUntil !== undefined) {
        await waitOr(() => exitReason() !== undefined || consentCameWhileAwaited());
        const exit = exitReason();
        if (exit) return finish(exit, { recordEnd: true });
        // Woken early by consent: the step is due now (its links count from now, not from the grace's end).
        if (consentCameWhileAwaited()) dueAt = Math.min(dueAt, Date.now());
        state.waitUntil = undefined;
      }
      // A consent signal from here on is news to this attempt: it may have read the customer before.
      state.consentGiven = false;
      let result;
      try {
        result = await chainActivities().runChainStep({
          workflowId: workflowInfo().workflowId,
          shopId,
          cartId: subjectId,
          campaign,
          stepIndex: state.stepIndex,
          enteredAt,
          cart: state.cart as NonNullable<CartChainState['cart']>, // a chain is only entered with one
          dueAt,
        });
      } catch (error) {
        // Retries are over and the step cannot succeed (broken template, address refused, CRM said
        // no): end the chain on record instead of failing the workflow.
        // A step scheduled through the server fails as an ActivityFailure around the cause; a local
        // one as the activity's own ApplicationFailure.
        if (!(error instanceof ActivityFailure || error instanceof ApplicationFailure)) throw error;
        log.warn('chain step failed for good', {
          step: campaign.steps[state.stepIndex]?.id,
          error: error instanceof ActivityFailure ? error.cause?.message : error.message,
        });
        return finish('failed', { recordEnd: true });
      }
      state.awaitingConsent = result.status === 'deferred' && result.reason === 'awaiting_consent';
      if (result.status === 'deferred') {
        state.waitUntil = result.until;
        continue;
      }
      if (result.status === 'skipped' && result.endChain) {
        return finish(outcomeOfSkip(result.reason), { recordEnd: false });
      }
      state.stepIndex += 1;
      if (state.stepIndex < campaign.steps.length) {
        // The step's own delay, or its experiment variant's for this customer.
        state.waitUntil =
          Date.now() +
          stepDelay(campaign, state.stepIndex, customerKeyOf(state.cart as NonNullable<CartChainState['cart']>));
      }
      publishChainState(state, outcome);
    }
    return finish('completed', { recordEnd: false });
  }

  /** A step deferred for consent, and consent since: it runs again now (the consentGiven signal). */
  function consentCameWhileAwaited(): boolean {
    return state.awaitingConsent === true && state.consentGiven === true;
  }

  /** The consentGiven signal's handler. */
  function consentGiven(): void {
    if (patched(CONSENT_WAKES_PATCH)) state.consentGiven = true;
  }

  function view(): CartChainView {
    const campaign = state.entry?.campaign;
    const next = outcome ? undefined : campaign?.steps[state.stepIndex];
    return {
      phase: outcome ? 'finished' : state.phase,
      outcome,
      campaign: campaign && {
        id: campaign.id,
        version: campaign.version,
        segment: state.entry?.segment ?? campaign.segment,
      },
      nextStep: next?.id,
      nextStepAt: !outcome && state.waitUntil !== undefined ? new Date(state.waitUntil).toISOString() : undefined,
      stepsDone: state.stepIndex,
      itemCount: state.cart?.items.reduce((units, item) => units + item.quantity, 0) ?? 0,
      lineCount: state.cart?.items.length ?? 0,
    };
  }

  return { finish, waitOr, runSteps, view, consentGiven };
}

/**
 * `condition(wake, ms)` with the same commands in the same order (a timer, cancelled if `wake` turns
 * true first) and about half the promises: the SDK captures a stack trace for every promise a
 * workflow creates, and its timeout variant (a scope, a race, two chained thens) makes many.
 */
async function wakeOrTimeout(wake: () => boolean, ms: number): Promise<boolean> {
  const timer = new CancellationScope();
  let fired = false;
  timer
    .run(() => sleep(ms))
    .then(
      () => void (fired = true),
      () => undefined, // cancelled below: the wake came first
    );
  await condition(() => fired || wake());
  if (fired) return false;
  timer.cancel();
  return true;
}
