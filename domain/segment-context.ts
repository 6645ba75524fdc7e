import type { Cart } from './events';
import type { SegmentContext } from './segments';

/** What a campaign audience rule sees of a cart and its customer. */
export function segmentContextOf(cart: Cart): SegmentContext {
  return {
    customer: {
      b2b: cart.customer.b2b,
      locale: cart.customer.locale,
      country: cart.customer.country,
      orderCount: cart.customer.orderCount,
    },
    cart: { currency: cart.currency, total: cart.total, items: cart.items },
  };
}
