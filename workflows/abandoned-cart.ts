import {
  ActivityFailure,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { isNewerSnapshot } from '../domain/cart-state';
import { type ChainOutcome, outcomeOfSkip } from '../domain/chain';
import type { Order } from '../domain/events';
import { selectCampaign } from '../domain/segments';
import { segmentContextOf } from '../domain/segment-context';
import {
  type AbandonedCartInput,
  type CartChainState,
  type CartChainView,
  cartStateQuery,
  cartUpdatedSignal,
  orderPlacedSignal,
  stopChainSignal,
} from './definitions';
import { publishChainState } from './search-attributes';

const { runChainStep, finishChain } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * One run per cart: wait until the cart has been quiet, enter the first campaign whose audience
 * matches, then run its steps — each re-checked and sent by one activity — until the last step,
 * or until the customer buys, empties the cart or is stopped.
 */
export async function abandonedCartWorkflow(input: AbandonedCartInput): Promise<ChainOutcome> {
  const state: CartChainState = input.resume ?? { phase: 'waiting_for_inactivity', stepIndex: 0 };
  let order: Order | undefined;
  let stopReason: string | undefined;
  let updates = 0;
  let outcome: ChainOutcome | undefined;

  setHandler(cartUpdatedSignal, (next) => {
    if (!isNewerSnapshot(state.cart, next)) return; // out-of-order snapshots never win
    state.cart = next;
    updates += 1;
  });
  setHandler(orderPlacedSignal, (placed) => void (order = placed));
  setHandler(stopChainSignal, ({ reason }) => void (stopReason = reason));
  setHandler(cartStateQuery, () => viewOf(state, outcome));

  const exitReason = (): ChainOutcome | undefined => {
    if (order) return 'purchased';
    if (stopReason) return 'stopped';
    if (state.cart && state.cart.items.length === 0) return 'emptied';
    return undefined;
  };
  const finish = async (result: ChainOutcome, { recordEnd }: { recordEnd: boolean }) => {
    outcome = result;
    if (recordEnd && state.entry) {
      await finishChain({ workflowId: workflowInfo().workflowId, shopId: input.shopId, cartId: input.cartId, outcome });
    }
    if (result !== 'completed') publishChainState(state, outcome);
    return result;
  };
  /** Waits until `state.waitUntil` unless `wake` turns true; continues-as-new when history grows. */
  const waitOr = async (wake: () => boolean): Promise<boolean> => {
    for (;;) {
      if (workflowInfo().continueAsNewSuggested) {
        await continueAsNew<typeof abandonedCartWorkflow>({ ...input, resume: state });
      }
      const remaining = (state.waitUntil ?? 0) - Date.now();
      if (remaining <= 0 || wake()) return wake();
      const woke = await condition(() => wake() || workflowInfo().continueAsNewSuggested, remaining);
      if (!woke || wake()) return woke;
    }
  };

  // 1. Abandonment: quiet for ABANDON_AFTER plus the first step's delay; every update restarts it.
  while (state.phase === 'waiting_for_inactivity') {
    const match =
      state.cart &&
      selectCampaign(input.campaigns, { trigger: 'cart.abandoned', context: segmentContextOf(state.cart) });
    state.waitUntil ??= Date.now() + input.abandonAfterMs + (match?.campaign.steps[0]?.delay ?? 0);
    const seen = updates;
    const woke = await waitOr(() => updates !== seen || exitReason() !== undefined);
    const exit = exitReason();
    if (exit) return finish(exit, { recordEnd: false });
    state.waitUntil = undefined;
    if (woke) continue;
    if (!match) return finish('no_campaign', { recordEnd: false });
    state.entry = { campaign: match.campaign, segment: match.segment, enteredAt: Date.now() };
    state.phase = 'in_chain';
  }
  publishChainState(state, outcome); // only if the cart entered another campaign than at start

  // 2. The steps: wait for each one's delay (or a deferral), then one activity decides and sends.
  const { campaign, enteredAt } = state.entry as NonNullable<CartChainState['entry']>;
  while (state.stepIndex < campaign.steps.length) {
    if (state.waitUntil !== undefined) {
      await waitOr(() => exitReason() !== undefined);
      const exit = exitReason();
      if (exit) return finish(exit, { recordEnd: true });
      state.waitUntil = undefined;
    }
    let result;
    try {
      result = await runChainStep({
        workflowId: workflowInfo().workflowId,
        shopId: input.shopId,
        cartId: input.cartId,
        campaign,
        stepIndex: state.stepIndex,
        enteredAt,
        cart: state.cart as NonNullable<CartChainState['cart']>, // a chain is only entered with a cart
      });
    } catch (error) {
      // Retries are over and the step cannot succeed (broken template, address refused, CRM said
      // no): end the chain on record instead of failing the workflow.
      if (!(error instanceof ActivityFailure)) throw error;
      log.warn('chain step failed for good', {
        step: campaign.steps[state.stepIndex]?.id,
        error: error.cause?.message,
      });
      return finish('failed', { recordEnd: true });
    }
    if (result.status === 'deferred') {
      state.waitUntil = result.until;
      continue;
    }
    if (result.status === 'skipped' && result.endChain)
      return finish(outcomeOfSkip(result.reason), { recordEnd: false });
    state.stepIndex += 1;
    const next = campaign.steps[state.stepIndex];
    if (next) state.waitUntil = Date.now() + next.delay;
    publishChainState(state, outcome);
  }
  return finish('completed', { recordEnd: false });
}

function viewOf(state: CartChainState, outcome: ChainOutcome | undefined): CartChainView {
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
    itemCount: state.cart?.items.length ?? 0,
  };
}
