import { describe, expect, it } from 'vitest';
import { canonicalAmount, canonicalEventJson } from '../../domain/event-identity';
import { CartEvent } from '../../domain/events';
import { cartUpdatedEvent } from '../helpers/cart-events';

const canonical = (body: unknown) => canonicalEventJson(CartEvent.parse(body));

describe('the identity of a webhook event (what a retry must match)', () => {
  const first = cartUpdatedEvent({ updatedAt: '2026-11-30T18:00:00+01:00' });

  it('a retry serialized again is the same event: amounts and instants written another way', () => {
    const retry = {
      data: {
        ...first.data,
        total: 52.3,
        items: first.data.items.map((item) => ({ ...(item as object), unitPrice: ' 0019.9000 ' })).slice(0, 1),
        updatedAt: '2026-11-30T17:00:00.000Z',
      },
      type: first.type,
      id: ` ${first.id} `,
    };
    const original = { ...first, data: { ...first.data, items: first.data.items.slice(0, 1) } };
    expect(canonical(retry)).toBe(canonical(original));
  });

  it('other contents are another event: an amount, an instant, a line', () => {
    const changed = [
      { ...first.data, total: '52.31' },
      { ...first.data, updatedAt: '2026-11-30T18:00:00Z' },
      { ...first.data, items: first.data.items.slice(1) },
    ];
    for (const data of changed) expect(canonical({ ...first, data })).not.toBe(canonical(first));
  });

  it('an order and a new customer too', () => {
    const order = {
      id: 'evt-order-1',
      type: 'order.placed',
      data: { cartId: 'c', orderId: 'o', total: '39.80', currency: 'EUR', placedAt: '2026-11-30T09:00:00-05:00' },
    };
    const reserialized = { ...order, data: { ...order.data, total: 39.8, placedAt: '2026-11-30T14:00:00Z' } };
    expect(canonical(reserialized)).toBe(canonical(order));
    expect(canonical({ ...order, data: { ...order.data, total: '39.08' } })).not.toBe(canonical(order));

    const customer = {
      id: 'evt-customer-1',
      type: 'customer.created',
      data: {
        customer: { id: 'cu-1', email: 'zoë@bücher.example', name: "Zoë O'Brien & Søn" },
        welcomeUrl: 'https://shop.example.com/account',
        createdAt: '2026-11-30T12:00:00+03:00',
      },
    };
    const again = { ...customer, data: { ...customer.data, createdAt: '2026-11-30T09:00:00.000Z' } };
    expect(canonical(again)).toBe(canonical(customer));
  });

  it('writes a decimal one way', () => {
    expect(['39.80', '39.8', '039.8000', '40.00', '0.0', '0', '100'].map(canonicalAmount)).toEqual([
      '39.8',
      '39.8',
      '39.8',
      '40',
      '0',
      '0',
      '100',
    ]);
  });
});
