import { upsertSearchAttributes } from '@temporalio/workflow';
import type { ChainOutcome } from '../domain/chain';
import { CART_SEARCH_ATTRIBUTES as KEYS, type CartChainState } from './definitions';

/**
 * Lets operators list carts by campaign, segment, step and status in the Temporal UI/CLI, e.g.
 * `temporal workflow list --query "CartflowStep = 'incentive'"`. One history event per call, so
 * it is called only when the chain moves on.
 */
export function publishChainState(state: CartChainState, outcome: ChainOutcome | undefined): void {
  const campaign = state.entry?.campaign;
  const step = campaign?.steps[state.stepIndex]?.id ?? 'done';
  upsertSearchAttributes([
    { key: KEYS.status, value: outcome ?? (state.phase === 'in_chain' ? 'in_chain' : 'waiting') },
    ...(campaign
      ? [
          { key: KEYS.campaign, value: `${campaign.id}@${campaign.version}` },
          { key: KEYS.segment, value: state.entry?.segment ?? campaign.segment },
          { key: KEYS.step, value: outcome ? 'done' : step },
        ]
      : []),
  ]);
}
