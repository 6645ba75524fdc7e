import type { Cart } from './events';

export type SkipReason = 'purchased' | 'empty_cart' | 'no_consent';

export interface EligibilityInput {
  cartStatus: 'open' | 'purchased' | undefined;
  cart: Pick<Cart, 'items' | 'customer'>;
}

/** Re-checked right before every send: the first reason not to send, or undefined to send. */
export function reasonNotToSend({ cartStatus, cart }: EligibilityInput): SkipReason | undefined {
  if (cartStatus === 'purchased') return 'purchased';
  if (cart.items.length === 0) return 'empty_cart';
  if (!cart.customer.marketingConsent) return 'no_consent';
  return undefined;
}
