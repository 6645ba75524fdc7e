import type { DeliverEmailInput } from '../../activities/deliver-email';
import { buildCartEmailData } from '../../domain/cart-email-data';
import type { Cart } from '../../domain/events';

/**
 * What a chain's reminder step hands deliverEmail for `cart`: the shipped cart-reminder template
 * to the cart's customer (or `to`), under the step's usual key unless `key` is given.
 */
export function reminderSend(input: {
  shopId: string;
  cart: Cart;
  to?: string;
  key?: string;
  campaign?: DeliverEmailInput['campaign'];
}): DeliverEmailInput {
  const { shopId, cart } = input;
  return {
    key: input.key ?? `cart:${shopId}:${cart.id}:reminder`,
    shopId,
    cartId: cart.id,
    customerId: null,
    step: 'reminder',
    templateId: 'cart-reminder',
    data: buildCartEmailData(cart),
    to: input.to ?? cart.customer.email,
    kind: 'marketing',
    recipientRole: 'customer',
    ...(input.campaign ? { campaign: input.campaign } : {}),
  };
}
