import type { SearchAttributePair } from '@temporalio/common';
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Campaign } from '../domain/campaign';
import type { ChainOutcome } from '../domain/chain';
import type { Cart } from '../domain/events';
import { segmentContextOf } from '../domain/segment-context';
import { selectCampaign } from '../domain/segments';
import { CART_SEARCH_ATTRIBUTES as KEYS, type CartChainState } from './definitions';

/**
 * Lets operators list carts by campaign, segment, step and status in the Temporal UI/CLI, e.g.
 * `temporal workflow list --query "CartflowStep = 'incentive'"`. Each upsert is a history event,
 * so the values are set at start (free) and upserted only when one of them changes: the next step,
 * or how a chain ended early. A completed chain keeps its last step; its Temporal status says it closed.
 */
export function searchAttributesAtStart(input: {
  shopId: string;
  campaigns: Campaign[];
  cart: Cart;
}): SearchAttributePair[] {
  const match = selectCampaign(input.campaigns, { trigger: 'cart.abandoned', context: segmentContextOf(input.cart) });
  const state = attributesOf({
    campaign: match?.campaign,
    segment: match?.segment,
    step: match?.campaign.steps[0]?.id,
    status: 'active',
  });
  return [...shopSearchAttributes(input.shopId), ...state];
}

/**
 * `CartflowShop`, given in the start options of every cart and journey workflow, so that one
 * shop's chains can be listed (`--query "CartflowShop = 'acme'"`). Start options only: the
 * workflow code never upserts it, so histories recorded before it existed replay unchanged,
 * and continue-as-new keeps it (the server copies a run's attributes to the next).
 */
export function shopSearchAttributes(shopId: string): SearchAttributePair[] {
  return [{ key: KEYS.shop, value: shopId }];
}

/** Upserts what differs from the workflow's current attributes (nothing when nothing changed). */
export function publishChainState(state: CartChainState, outcome: ChainOutcome | undefined): void {
  const campaign = state.entry?.campaign;
  const wanted = attributesOf({
    campaign,
    segment: state.entry?.segment,
    step: outcome ? undefined : campaign?.steps[state.stepIndex]?.id,
    status: outcome ?? 'active',
  });
  const current = workflowInfo().typedSearchAttributes;
  const changed = wanted.filter((pair) => current.get(pair.key as never) !== pair.value);
  if (changed.length > 0) upsertSearchAttributes(changed);
}

function attributesOf(values: {
  campaign: Campaign | undefined;
  segment: string | undefined;
  step: string | undefined;
  status: string;
}): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [{ key: KEYS.status, value: values.status }];
  if (values.campaign) pairs.push({ key: KEYS.campaign, value: `${values.campaign.id}@${values.campaign.version}` });
  if (values.segment) pairs.push({ key: KEYS.segment, value: values.segment });
  if (values.step) pairs.push({ key: KEYS.step, value: values.step });
  return pairs;
}
