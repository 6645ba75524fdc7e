import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CartEvent } from '../../domain/events';
import { checkoutToEvent } from '../../domain/shopify-events';
import { ShopifyCheckout } from '../../domain/shopify-payloads';
import { truncateText } from '../../domain/truncate-text';

// Shopify lets a first and a last name be 255 characters each, and a title and a variant title too;
// cartflow's events hold 200 and 500. Cut in the middle of an emoji, the text held half a surrogate
// pair, PostgreSQL refused it, and the checkout answered 500 on each of Shopify's retries.
type Json = Record<string, unknown>;
const body = JSON.parse(
  readFileSync(new URL('../fixtures/shopify/checkouts-create.json', import.meta.url), 'utf8'),
) as Json & { customer: Json; line_items: Json[] };
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function mapped(checkout: Json) {
  const result = checkoutToEvent(ShopifyCheckout.parse(checkout), { webhookId: 'w-long' });
  if (result.kind !== 'event') throw new Error(`expected an event, got ${result.kind}`);
  return result.event as { data: { customer: { name: string }; items: Array<{ name: string; sku: string }> } };
}

describe('long Shopify names cut to the event limits', () => {
  it('a name cut at an emoji keeps whole emoji and is a valid, storable event', () => {
    const event = mapped({
      ...body,
      customer: { ...body.customer, first_name: `A${'😀'.repeat(120)}`, last_name: 'Ø' },
    });
    const name = event.data.customer.name;
    expect(name).not.toMatch(loneSurrogate);
    expect(name).toBe(`A${'😀'.repeat(99)}`);
    expect(CartEvent.safeParse(event).success).toBe(true);
  });

  it('a line item title and variant cut at a flag, a SKU cut at an emoji', () => {
    const line = body.line_items[0] as Json;
    const title = `xy${'🇵🇹'.repeat(123)}`; // 494 code units; " – " and a flag reach 501
    const sku = `s${'🔥'.repeat(70)}`;
    const event = mapped({ ...body, line_items: [{ ...line, title, variant_title: '🇵🇹🇵🇹', sku }] });
    const [item] = event.data.items;
    expect(item?.name).toBe(`${title} – `);
    expect(item?.sku).toBe(`s${'🔥'.repeat(63)}`);
    expect(CartEvent.safeParse(event).success).toBe(true);
  });

  it('truncateText leaves short text alone and never splits a grapheme', () => {
    expect(truncateText('Zoë', 10)).toBe('Zoë');
    expect(truncateText('👨‍👩‍👧 family', 7)).toBe('');
    expect(truncateText('ab👨‍👩‍👧', 10)).toBe('ab👨‍👩‍👧');
    expect(truncateText('ab👨‍👩‍👧', 9)).toBe('ab');
  });
});
