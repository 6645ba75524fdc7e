import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCartEmailData } from '../../domain/cart-email-data';
import { CartEvent } from '../../domain/events';
import { journeySubjectsOf } from '../../domain/journeys';
import { orderToEvent } from '../../domain/shopify-events';
import { ShopifyOrder } from '../../domain/shopify-payloads';

// A Shopify order's id (820982911946154508) is Shopify's internal key; its merchant and customer know
// it as its name ("#1001"). Emails must show the name and keep the id as the key.
type Json = Record<string, unknown>;
const order = JSON.parse(
  readFileSync(new URL('../fixtures/shopify/orders-create.json', import.meta.url), 'utf8'),
) as Json;

function placed(body: Json) {
  const mapped = orderToEvent(ShopifyOrder.parse(body), { webhookId: 'w-1' });
  if (mapped.kind !== 'event') throw new Error(`expected an event, got ${mapped.kind}`);
  return CartEvent.parse(mapped.event);
}

describe('a Shopify order is named as its customer knows it', () => {
  it("its `name` (with the shop's prefix) names it; its id stays the key", () => {
    const event = placed({ ...order, name: 'SHOP-1001-EU' });
    expect(event).toMatchObject({ data: { orderId: '820982911946154508', orderName: 'SHOP-1001-EU' } });
  });

  it('without `name`, `#` and order_number; with neither, no name', () => {
    expect(placed({ ...order, name: null, order_number: 1001 })).toMatchObject({ data: { orderName: '#1001' } });
    const unnamed = placed({ ...order, name: null, order_number: null });
    expect(unnamed.type === 'order.placed' && unnamed.data.orderName).toBeUndefined();
  });

  it('the post-purchase email data shows the name, or the id when there is none', () => {
    const [subject] = journeySubjectsOf(placed({ ...order, name: '#1001' }), '2026-11-30T10:00:00Z');
    expect(subject?.subjectId).toBe('820982911946154508');
    const data = buildCartEmailData(subject!.subject);
    expect(data).toMatchObject({ orderName: '#1001', cartId: '820982911946154508' });
    const [plain] = journeySubjectsOf(placed({ ...order, name: null, order_number: null }), '2026-11-30T10:00:00Z');
    expect(buildCartEmailData(plain!.subject).orderName).toBe('820982911946154508');
  });

  it('a generic order.placed may name its order; a name over 128 characters is refused naming the field', () => {
    const base = {
      id: 'e-1',
      type: 'order.placed',
      data: { cartId: 'c-1', orderId: 'o-1', total: '1', currency: 'EUR' },
    };
    expect(CartEvent.parse({ ...base, data: { ...base.data, orderName: ' SO-2026-0042 ' } })).toMatchObject({
      data: { orderName: 'SO-2026-0042' },
    });
    const refused = CartEvent.safeParse({ ...base, data: { ...base.data, orderName: 'x'.repeat(129) } });
    expect(refused.success ? [] : refused.error.issues.map((issue) => issue.path.join('.'))).toEqual([
      'data.orderName',
    ]);
  });
});
