import { describe, expect, it } from 'vitest';
import { collisionFreeBatches } from '../../db/cart-updated-batches';
import { CartUpdatedEvent } from '../../domain/events';
import { cartUpdatedEvent } from '../helpers/cart-events';

const event = (eventId: string, cartId: string, email: string, shopId = 'shop') => ({
  shopId,
  event: CartUpdatedEvent.parse(cartUpdatedEvent({ eventId, cartId, customer: { email } })),
});

describe('collisionFreeBatches', () => {
  it('keeps events that share nothing in one statement', () => {
    expect(collisionFreeBatches([event('e1', 'c1', 'a@x.com'), event('e2', 'c2', 'b@x.com')])).toEqual([[0, 1]]);
  });

  it('moves an event that shares an event id, a cart or an email behind the one before it', () => {
    const inputs = [
      event('e1', 'c1', 'a@x.com'),
      event('e1', 'c9', 'z@x.com'), // same event id
      event('e2', 'c1', 'y@x.com'), // same cart
      event('e3', 'c3', 'a@x.com'), // same email
      event('e4', 'c4', 'd@x.com'),
      event('e5', 'c1', 'e@x.com'), // the cart a third time
    ];
    expect(collisionFreeBatches(inputs)).toEqual([[0, 4], [1, 2, 3], [5]]);
  });

  it('tells shops apart', () => {
    expect(collisionFreeBatches([event('e1', 'c1', 'a@x.com', 'one'), event('e1', 'c1', 'a@x.com', 'two')])).toEqual([
      [0, 1],
    ]);
  });
});
