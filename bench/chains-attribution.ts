import type { SearchAttributePair } from '@temporalio/common';
import type { Campaign } from '../domain/campaign';
import { Cart } from '../domain/events';
import { searchAttributesAtStart } from '../workflows/search-attributes';
import type { SameShapeVariant } from './chains-baseline-workflows';

// `PHASES=chains,attribution` in bench/chains.ts: where a chain's extra Temporal CPU comes from.
// Each variant is the same-shape no-op plus exactly one thing the cart chain has, then all of them
// together: what Temporal would charge the chain if its activities cost nothing.

export interface AttributionVariant {
  label: string;
  input: SameShapeVariant;
  /** Start options' search attributes, as the webhook's start gives a cart chain (5 keywords). */
  searchAttributes?: SearchAttributePair[];
}

export function attributionVariants(options: {
  delaysMs: number[];
  shopId: string;
  campaign: Campaign;
  /** A webhook's cart, before parsing. */
  cart: unknown;
}): AttributionVariant[] {
  const { delaysMs, shopId, campaign } = options;
  const cart = Cart.parse(options.cart);
  const cartId = cart.id;
  // The same objects, so the same JSON sizes, as the chain's start input and each runChainStep input.
  const padding = { shopId, cartId, abandonAfterMs: 1_000, campaigns: [campaign], firstCart: cart };
  const stepPadding = {
    workflowId: `cart-${shopId}-${cartId}`,
    shopId,
    cartId,
    campaign,
    stepIndex: 0,
    enteredAt: Date.now(),
    cart,
    dueAt: Date.now(),
  };
  const searchAttributes = searchAttributesAtStart({ shopId, campaigns: [campaign], cart });
  return [
    {
      label: 'all four together, local activities',
      input: { delaysMs, upserts: true, marker: true, padding, stepPadding, local: true },
      searchAttributes,
    },
    { label: '+ search attributes at start (5 keywords)', input: { delaysMs }, searchAttributes },
    { label: '+ 3 search-attribute upserts (step, step, status)', input: { delaysMs, upserts: true } },
    { label: '+ one patch marker (marker + TemporalChangeVersion upsert)', input: { delaysMs, marker: true } },
    { label: "+ the chain's payloads (start input, every activity input)", input: { delaysMs, padding, stepPadding } },
    {
      label: 'all four together',
      input: { delaysMs, upserts: true, marker: true, padding, stepPadding },
      searchAttributes,
    },
  ];
}

/** Bytes of `value` as the default data converter's JSON payload carries it. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
