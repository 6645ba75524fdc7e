import { continueAsNew, patched, setHandler } from '@temporalio/workflow';
import { isNewerSnapshot } from '../domain/cart-state';
import type { ChainOutcome } from '../domain/chain';
import { customerKeyOf, stepDelay } from '../domain/experiments';
import { segmentContextOf } from '../domain/segment-context';
import { campaignsFor, selectCampaign } from '../domain/segments';
import { OWN_TRIGGER_CAMPAIGNS_PATCH, createChainRunner } from './chain-runner';
import {
  type AbandonedCartInput,
  type CartChainState,
  cartStateQuery,
  cartUpdatedSignal,
  consentGivenSignal,
  orderPlacedSignal,
  stopChainSignal,
} from './definitions';
import { publishChainState } from './search-attributes';

/**
 * One run per cart: wait until the cart has been quiet, enter the first campaign whose audience
 * matches, then run its steps — each re-checked and sent by one activity — until the last step,
 * or until the customer buys, empties the cart or is stopped.
 */
export async function abandonedCartWorkflow(input: AbandonedCartInput): Promise<ChainOutcome> {
  const state: CartChainState = input.resume ?? {
    phase: 'waiting_for_inactivity',
    stepIndex: 0,
    cart: input.firstCart,
  };
  const chain = createChainRunner({
    shopId: input.shopId,
    subjectId: input.cartId,
    state,
    continueAsNew: () => {
      // Runs started before carts pinned only their own campaigns drop the others here, once.
      const campaigns = patched(OWN_TRIGGER_CAMPAIGNS_PATCH)
        ? campaignsFor(input.campaigns, 'cart.abandoned')
        : input.campaigns;
      return continueAsNew<typeof abandonedCartWorkflow>({ ...input, campaigns, resume: state });
    },
  });
  let updates = 0;

  setHandler(cartUpdatedSignal, (next) => {
    if (!isNewerSnapshot(state.cart, next)) return; // out-of-order snapshots never win
    state.cart = next;
    updates += 1;
  });
  setHandler(orderPlacedSignal, (placed) => void (state.order = placed));
  setHandler(stopChainSignal, ({ reason }) => void (state.stopReason = reason));
  setHandler(consentGivenSignal, chain.consentGiven);
  setHandler(cartStateQuery, chain.view);

  const exitReason = (): ChainOutcome | undefined => {
    if (state.order) return 'purchased';
    if (state.stopReason) return 'stopped';
    if (state.cart && state.cart.items.length === 0) return 'emptied';
    return undefined;
  };

  // 1. Abandonment: quiet for ABANDON_AFTER plus the first step's delay; every update restarts it.
  while (state.phase === 'waiting_for_inactivity') {
    const match =
      state.cart &&
      selectCampaign(input.campaigns, { trigger: 'cart.abandoned', context: segmentContextOf(state.cart) });
    const firstDelay = match && state.cart ? stepDelay(match.campaign, 0, customerKeyOf(state.cart)) : 0;
    state.waitUntil ??= Date.now() + input.abandonAfterMs + firstDelay;
    const seen = updates;
    const woke = await chain.waitOr(() => updates !== seen || exitReason() !== undefined);
    const exit = exitReason();
    if (exit) return chain.finish(exit, { recordEnd: false });
    state.waitUntil = undefined;
    if (woke) continue;
    if (!match) return chain.finish('no_campaign', { recordEnd: false });
    state.entry = { campaign: match.campaign, segment: match.segment, enteredAt: Date.now() };
    state.phase = 'in_chain';
  }
  publishChainState(state, undefined); // only if the cart entered another campaign than at start

  // 2. The steps.
  return chain.runSteps(exitReason);
}
