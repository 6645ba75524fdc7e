import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Campaign } from '../domain/campaign';
import type { ChainOutcome } from '../domain/chain';
import type { Cart, ChainSubject, Order } from '../domain/events';

/** Shared by the workflow and its callers (HTTP server, tests): names are part of the contract. */
export const cartUpdatedSignal = defineSignal<[Cart]>('cartUpdated');
export const orderPlacedSignal = defineSignal<[Order]>('orderPlaced');
/** Stops the chain at once (unsubscribe, erasure, operator); the reason becomes its outcome. */
export const stopChainSignal = defineSignal<[{ reason: string }]>('stopChain');
/**
 * The customer gave marketing consent (stored before the signal is sent): a step waiting for it
 * within CONSENT_GRACE runs again now instead of at the grace's end. Any other wait is kept.
 */
export const consentGivenSignal = defineSignal('consentGiven');

export interface CartChainState {
  phase: 'waiting_for_inactivity' | 'in_chain';
  cart?: ChainSubject;
  /** The campaign the chain entered with: pinned, never swapped for a newer version. */
  entry?: { campaign: Campaign; segment: string; enteredAt: number };
  stepIndex: number;
  /** When the current wait (inactivity, step delay or deferral) ends, epoch ms. */
  waitUntil?: number;
  /**
   * An order or stop request received but not acted on yet. Kept in the state (not beside it) so
   * a continue-as-new that happens in the same task carries it into the next run.
   */
  order?: Order;
  stopReason?: string;
  /** The current step was deferred to wait for consent (CONSENT_GRACE). */
  awaitingConsent?: boolean;
  /** A consentGiven signal came since the current step last ran. */
  consentGiven?: boolean;
}

export interface AbandonedCartInput {
  shopId: string;
  cartId: string;
  /** Inactivity after the last cart update that counts as abandonment. */
  abandonAfterMs: number;
  /** The cart.abandoned campaigns (newest versions) when the cart's workflow started. */
  campaigns: Campaign[];
  /** The cart of the webhook that started the workflow (older runs got it as a signal). */
  firstCart?: Cart;
  /** Carried over by continue-as-new. */
  resume?: CartChainState;
}

export interface CartChainView {
  phase: CartChainState['phase'] | 'finished';
  outcome?: ChainOutcome;
  campaign?: { id: string; version: number; segment: string };
  /** The step that runs next and when (ISO), if any. */
  nextStep?: string;
  nextStepAt?: string;
  stepsDone: number;
  /** Units in the cart (the sum of quantities), as the emails' `itemCount` counts them. */
  itemCount: number;
  /** Lines in the cart (distinct products). */
  lineCount: number;
}

export const cartStateQuery = defineQuery<CartChainView>('cartState');

/** Search attributes of cart workflows; every Temporal server cartflow uses must have them registered. */
export const CART_SEARCH_ATTRIBUTES = {
  campaign: defineSearchAttributeKey('CartflowCampaign', SearchAttributeType.KEYWORD),
  segment: defineSearchAttributeKey('CartflowSegment', SearchAttributeType.KEYWORD),
  step: defineSearchAttributeKey('CartflowStep', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('CartflowStatus', SearchAttributeType.KEYWORD),
  /** The shop id, set when the workflow starts (server/cart-workflows.ts) and never upserted. */
  shop: defineSearchAttributeKey('CartflowShop', SearchAttributeType.KEYWORD),
};
