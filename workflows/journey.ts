import { continueAsNew, patched, setHandler } from '@temporalio/workflow';
import type { Campaign } from '../domain/campaign';
import type { ChainOutcome } from '../domain/chain';
import type { ChainSubject } from '../domain/events';
import { customerKeyOf, stepDelay } from '../domain/experiments';
import type { JourneyTrigger } from '../domain/journeys';
import { segmentContextOf } from '../domain/segment-context';
import { campaignsFor, selectCampaign } from '../domain/segments';
import { OWN_TRIGGER_CAMPAIGNS_PATCH, createChainRunner } from './chain-runner';
import { type CartChainState, cartStateQuery, consentGivenSignal, stopChainSignal } from './definitions';

export interface JourneyInput {
  shopId: string;
  subjectId: string;
  trigger: JourneyTrigger;
  /** The trigger's campaigns (newest versions) when the journey started: pinned for its whole life. */
  campaigns: Campaign[];
  /** The new customer or the placed order, as a cart-shaped snapshot. */
  subject: ChainSubject;
  resume?: CartChainState;
}

/**
 * Welcome series, post-purchase follow-up and "time to re-order": enter the first campaign for
 * the trigger whose audience matches, wait (`reorderAfter` for re-orders) and run its steps.
 */
export async function journeyWorkflow(input: JourneyInput): Promise<ChainOutcome> {
  const state: CartChainState = input.resume ?? { phase: 'in_chain', stepIndex: 0, cart: input.subject };
  const chain = createChainRunner({
    shopId: input.shopId,
    subjectId: input.subjectId,
    state,
    continueAsNew: () => {
      // Journeys started before they pinned only their trigger's campaigns drop the others here.
      const campaigns = patched(OWN_TRIGGER_CAMPAIGNS_PATCH)
        ? campaignsFor(input.campaigns, input.trigger)
        : input.campaigns;
      return continueAsNew<typeof journeyWorkflow>({ ...input, campaigns, resume: state });
    },
  });
  setHandler(stopChainSignal, ({ reason }) => void (state.stopReason = reason));
  setHandler(consentGivenSignal, chain.consentGiven);
  setHandler(cartStateQuery, chain.view);

  if (!state.entry) {
    const match = selectCampaign(input.campaigns, { trigger: input.trigger, context: segmentContextOf(input.subject) });
    if (!match) return chain.finish('no_campaign', { recordEnd: false });
    const { campaign } = match;
    state.entry = { campaign, segment: match.segment, enteredAt: Date.now() };
    const firstDelay = stepDelay(campaign, 0, customerKeyOf(input.subject));
    state.waitUntil = Date.now() + (campaign.reorderAfter ?? 0) + firstDelay;
  }
  return chain.runSteps(() => (state.stopReason ? 'stopped' : undefined));
}
