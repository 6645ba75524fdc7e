import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Cart, Order } from '../domain/events';

/** Shared by the workflow and its callers (HTTP server, tests): names are part of the contract. */
export const cartUpdatedSignal = defineSignal<[Cart]>('cartUpdated');
export const orderPlacedSignal = defineSignal<[Order]>('orderPlaced');

export interface AbandonedCartInput {
  shopId: string;
  cartId: string;
  /** Inactivity after the last cart update that counts as abandonment. */
  abandonAfterMs: number;
  /** How long after the reminder an order still counts as recovered. */
  conversionWindowMs: number;
}

export type CartOutcome = 'purchased' | 'emptied' | 'recovered' | 'not_recovered' | 'not_sent';

export interface CartState {
  phase: 'waiting_for_inactivity' | 'sending_reminder' | 'waiting_for_order' | 'finished';
  outcome?: CartOutcome;
  /** ISO time the reminder is due if nothing else happens. */
  reminderDueAt?: string;
  itemCount: number;
}

export const cartStateQuery = defineQuery<CartState>('cartState');
