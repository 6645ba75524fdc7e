import type { Trigger } from './campaign';
import type { Cart, CartEvent, ChainSubject } from './events';

export type JourneyTrigger = Exclude<Trigger, 'cart.abandoned'>;

/** A lifecycle campaign to consider: what it is about, described as a cart-shaped snapshot. */
export interface JourneySubject {
  trigger: JourneyTrigger;
  /** The order id, or the shop's customer id: one journey per subject and trigger. */
  subjectId: string;
  subject: ChainSubject;
}

/**
 * The journeys an event can start: a new customer → welcome; an order with its customer and
 * lines → post-purchase and "time to re-order". The snapshot reuses the cart shape, so steps
 * are decided, rendered and sent by the same code as cart emails.
 */
export function journeySubjectsOf(event: CartEvent, receivedAt: string): JourneySubject[] {
  if (event.type === 'customer.created') {
    const { customer, welcomeUrl, currency, createdAt } = event.data;
    const subject: Cart = {
      id: customer.id,
      currency,
      items: [],
      total: '0',
      recoveryUrl: welcomeUrl,
      customer,
      updatedAt: createdAt ?? receivedAt,
    };
    return [{ trigger: 'customer.created', subjectId: customer.id, subject }];
  }
  if (event.type === 'order.placed' && event.data.customer && event.data.items?.length) {
    const order = event.data;
    const base = {
      id: order.orderId,
      ...(order.orderName ? { orderName: order.orderName } : {}),
      currency: order.currency,
      items: order.items ?? [],
      total: order.total,
      customer: order.customer as Cart['customer'],
      updatedAt: order.placedAt ?? receivedAt,
    };
    const orderUrl = order.orderUrl ?? order.reorderUrl;
    const reorderUrl = order.reorderUrl ?? order.orderUrl;
    return [
      ...(orderUrl
        ? [{ trigger: 'order.placed' as const, subjectId: order.orderId, subject: { ...base, recoveryUrl: orderUrl } }]
        : []),
      ...(reorderUrl
        ? [{ trigger: 'reorder.due' as const, subjectId: order.orderId, subject: { ...base, recoveryUrl: reorderUrl } }]
        : []),
    ];
  }
  return [];
}
