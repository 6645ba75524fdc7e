import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CartEvent, WebhookCartEvent } from '../../domain/events';
import { cartUpdatedEvent } from '../helpers/cart-events';

const issuesOf = (input: unknown) => {
  const result = CartEvent.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('webhook event schema', () => {
  it('accepts a full cart.updated event and fills documented defaults', () => {
    const event = cartUpdatedEvent({
      customer: { locale: undefined, timeZone: undefined, marketingConsent: undefined },
    });
    const parsed = CartEvent.parse(event);
    expect(parsed.type).toBe('cart.updated');
    if (parsed.type !== 'cart.updated') return;
    expect(parsed.data.items[1]?.unitPrice).toBe('12.5'); // a JSON number becomes an exact decimal string
    expect(parsed.data.customer).toMatchObject({ locale: 'en', timeZone: 'UTC', b2b: false, marketingConsent: false });
  });

  it('names every bad field with its path', () => {
    const event = cartUpdatedEvent();
    const bad = {
      ...event,
      data: {
        ...event.data,
        currency: 'euro',
        recoveryUrl: 'javascript:alert(1)',
        items: [{ sku: 'A', name: 'x', quantity: 0, unitPrice: '-1' }],
        customer: { ...event.data.customer, email: 'not-an-email', timeZone: 'Mars/Base' },
      },
    };
    expect(issuesOf(bad)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^data\.currency: must be an ISO 4217 code/),
        expect.stringMatching(/^data\.recoveryUrl: must be an http\(s\) URL/),
        expect.stringMatching(/^data\.items\.0\.quantity: /),
        expect.stringMatching(/^data\.items\.0\.unitPrice: must be a non-negative decimal/),
        expect.stringMatching(/^data\.customer\.email: must be an email address/),
        expect.stringMatching(/^data\.customer\.timeZone: must be an IANA time zone/),
      ]),
    );
  });

  it.each(['XYZ', 'ABC', 'EUD'])(
    'a code of the right shape that is no currency (%s) is refused, naming the field',
    (code) => {
      const event = cartUpdatedEvent();
      const bad = { ...event, data: { ...event.data, currency: code } };
      expect(issuesOf(bad)).toEqual(['data.currency: must be an ISO 4217 code such as EUR']);
    },
  );

  it.each(['EUR', 'JPY', 'BHD', 'RUB', 'ILS', 'VES'])('a real currency (%s) is accepted', (code) => {
    // Whole amounts: exact in every currency, JPY's included (money-decimals.test.ts has the decimals).
    const event = cartUpdatedEvent({ items: [{ sku: 'A', name: 'A', quantity: 2, unitPrice: '20' }] });
    expect(issuesOf({ ...event, data: { ...event.data, currency: code, total: '40' } })).toEqual([]);
  });

  it('rejects an unknown event type naming the allowed ones', () => {
    expect(issuesOf({ id: 'e1', type: 'cart.deleted', data: {} })).toEqual([
      'type: must be one of: cart.updated, order.placed, customer.created, customer.consent_updated',
    ]);
  });

  it('accepts order.placed with cart id, order id and total', () => {
    const parsed = CartEvent.parse({
      id: 'e2',
      type: 'order.placed',
      data: { cartId: 'c1', orderId: 'o1', total: 52.3, currency: 'EUR' },
    });
    expect(parsed).toMatchObject({ type: 'order.placed', data: { cartId: 'c1', total: '52.3' } });
  });
});

describe('date-times', () => {
  const withUpdatedAt = (updatedAt: unknown, schema: z.ZodType = WebhookCartEvent) => {
    const event = cartUpdatedEvent();
    const result = schema.safeParse({ ...event, data: { ...event.data, updatedAt } });
    return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('takes every real offset and the years 0001 to 9999', () => {
    for (const value of ['2026-11-30T18:00:00+14:00', '2026-11-30T18:00:00-12:00', '2026-11-30T18:00:00+05:45']) {
      expect(withUpdatedAt(value)).toEqual([]);
    }
    expect(withUpdatedAt('0001-01-01T00:00:00Z')).toEqual([]);
    expect(withUpdatedAt('9999-12-31T23:59:59Z')).toEqual([]);
  });

  it('refuses at the door what PostgreSQL cannot store, with one issue that says the range', () => {
    const range =
      'data.updatedAt: must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z, from year 0001 to 9999 in UTC, with a UTC offset of at most 14 hours';
    for (const value of ['0000-06-01T00:00:00Z', '9999-12-31T23:00:00-12:00', '2026-11-30T18:00:00+23:59']) {
      expect(withUpdatedAt(value)).toEqual([range]);
      // Events stored before the rule (a cart's occurredAt was never a column) still read back for the relay.
      expect(withUpdatedAt(value, CartEvent)).toEqual([]);
    }
    expect(withUpdatedAt('yesterday')).toEqual([
      'data.updatedAt: must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z',
    ]);
  });

  it('checks each type’s own date-time and occurredAt, and nothing zod drops', () => {
    const order = {
      id: 'evt-o',
      type: 'order.placed',
      occurredAt: '0000-01-01T00:00:00Z',
      data: { cartId: 'c', orderId: 'o', total: '1', currency: 'EUR', placedAt: '2026-11-30T18:00:00+15:00' },
    };
    const result = WebhookCartEvent.safeParse(order);
    expect(result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'))).toEqual([
      'occurredAt',
      'data.placedAt',
    ]);
    const createdAtOnAnOrder = {
      ...order,
      occurredAt: undefined,
      data: { ...order.data, placedAt: undefined, createdAt: '0000-01-01T00:00:00Z' },
    };
    expect(WebhookCartEvent.safeParse(createdAtOnAnOrder).success).toBe(true);
  });
});
