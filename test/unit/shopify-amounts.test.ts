import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CartEvent } from '../../domain/events';
import { checkoutToEvent, orderToEvent } from '../../domain/shopify-events';
import { ShopifyCheckout, ShopifyOrder } from '../../domain/shopify-payloads';

// A refused Shopify webhook is retried and in the end its subscription removed: no person reads the
// 400. Shopify's amounts are exact in their currency but written with two decimals where it has none
// ("1000.00" JPY); mapped to cartflow's events they must still pass the exact-amount rule.
type Json = Record<string, unknown>;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../fixtures/shopify/${name}.json`, import.meta.url), 'utf8')) as Json;

const issuesOf = (event: unknown) => {
  const result = CartEvent.safeParse(event);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

function mappedEvent(mapped: ReturnType<typeof checkoutToEvent>): unknown {
  if (mapped.kind !== 'event') throw new Error(`expected an event, got ${mapped.kind}`);
  return mapped.event;
}

describe("Shopify's amounts under the exact-amount rule", () => {
  it.each([
    ['JPY', '1000.00', '2000.00'],
    ['KWD', '12.345', '24.690'],
    ['EUR', '19.90', '39.80'],
  ])('a %s checkout as Shopify sends it becomes a valid cart.updated', (currency, price, total) => {
    const body = fixture('checkouts-create');
    const lines = (body.line_items as Json[]).map((line) => ({ ...line, price, quantity: 1 }));
    const checkout = ShopifyCheckout.parse({
      ...body,
      currency,
      presentment_currency: currency,
      line_items: lines.slice(0, 2),
      total_price: total,
    });
    const event = mappedEvent(checkoutToEvent(checkout, { webhookId: 'w-1' }));
    expect(event).toMatchObject({ data: { currency, total, items: [{ unitPrice: price }, { unitPrice: price }] } });
    expect(issuesOf(event)).toEqual([]);
  });

  it('a JPY order as Shopify sends it becomes a valid order.placed', () => {
    const body = fixture('orders-create');
    const lines = (body.line_items as Json[]).map((line) => ({ ...line, price: '1000.00' }));
    const order = ShopifyOrder.parse({ ...body, currency: 'JPY', total_price: '3000.00', line_items: lines });
    const event = mappedEvent(orderToEvent(order, { webhookId: 'w-2' }));
    expect(event).toMatchObject({ data: { currency: 'JPY', total: '3000.00', items: [{ unitPrice: '1000.00' }] } });
    expect(issuesOf(event)).toEqual([]);
  });
});
