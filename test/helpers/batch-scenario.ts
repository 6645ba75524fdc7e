import { type CartEventInput } from '../../db/cart-store';
import { CartEvent } from '../../domain/events';
import { cartUpdatedEvent, orderPlacedEvent } from './cart-events';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 30, 9, minute)).toISOString();

/**
 * One group-commit batch that holds every case the batched cart.updated statement must tell
 * apart, for `shopId`: `before` is stored (and committed) first, then `batch` in one transaction.
 * The same payloads can be fed to two shops (`inputsFor`) to compare their rows.
 */
export function batchScenario() {
  const input = (payload: unknown) => payload;
  const stored = cartUpdatedEvent({ eventId: 'evt-stored', cartId: 'cart-stored', updatedAt: at(0) });
  const placed = orderPlacedEvent({ eventId: 'evt-order', cartId: 'cart-bought' });
  const order = { ...placed, data: { ...placed.data, orderId: 'order-1' } };
  const fresh = cartUpdatedEvent({
    eventId: 'evt-fresh',
    cartId: 'cart-fresh',
    customer: { email: 'fresh@example.com' },
  });
  const withTotal = <T extends { data: { total: string } }>(event: T, total: string): T => ({
    ...event,
    data: { ...event.data, total },
  });
  const snapshot = (eventId: string, minute: number) =>
    withTotal(
      cartUpdatedEvent({
        eventId,
        cartId: 'cart-twice',
        updatedAt: at(minute),
        customer: { email: 'twice@example.com' },
      }),
      `${minute}.00`,
    );
  const before = [input(stored), input(order)];
  const batch = [
    input(fresh),
    // The same event again, then its id reused for another body: after a committed original...
    input(stored),
    input(withTotal(stored, '1.00')),
    // ...and after an original earlier in this very batch.
    input(fresh),
    input({ ...fresh, data: { ...fresh.data, id: 'cart-elsewhere' } }),
    // Two snapshots of one cart, the newer second, then a late older one that must not win.
    input(snapshot('evt-twice-1', 10)),
    input(snapshot('evt-twice-2', 20)),
    input(snapshot('evt-twice-0', 5)),
    // Two carts of one customer, who changed their name between them.
    input(
      cartUpdatedEvent({ eventId: 'evt-one', cartId: 'cart-one', customer: { email: 'two@example.com', name: 'Zoë' } }),
    ),
    input(
      cartUpdatedEvent({
        eventId: 'evt-two',
        cartId: 'cart-two',
        customer: { email: 'two@example.com', name: "Zoë O'Brien" },
      }),
    ),
    // A cart that was bought.
    input(
      cartUpdatedEvent({
        eventId: 'evt-after-order',
        cartId: 'cart-bought',
        customer: { email: 'bought@example.com' },
      }),
    ),
  ];
  const kinds = [
    'new',
    'duplicate',
    'conflict',
    'duplicate',
    'conflict',
    'new',
    'new',
    'new',
    'new',
    'new',
    'cart_purchased',
  ];
  return { before, batch, kinds };
}

/** The payloads as one shop's inputs. */
export function inputsFor(shopId: string, payloads: readonly unknown[]): CartEventInput[] {
  return payloads.map((payload) => ({ shopId, event: CartEvent.parse(payload), payload }));
}
