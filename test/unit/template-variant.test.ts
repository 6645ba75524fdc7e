import { describe, expect, it } from 'vitest';
import { templatesDir } from '../../app/services';
import { buildCartEmailData } from '../../domain/cart-email-data';
import { Cart } from '../../domain/events';
import { sendKey } from '../../domain/ids';
import { pickVariant } from '../../domain/subject-variant';
import { createTemplateRenderer } from '../../mail/template-renderer';
import sample from '../../templates/cart-reminder/samples/two-items.json';

/** Send keys as the chain step makes them: carts of one shop, one step. */
const keys = (count: number, step = 'reminder') =>
  Array.from({ length: count }, (_, index) => sendKey({ shopId: 'shop-1', cartId: `${10_000 + index}`, step }));

describe('subject variant per send', () => {
  it.each([2, 3, 5])('splits 20,000 sends evenly over %i lines (each within 3% of its share)', (count) => {
    const used = new Array<number>(count).fill(0);
    for (const key of keys(20_000)) used[pickVariant({ key, count })]! += 1;
    for (const times of used) expect(Math.abs(times / 20_000 - 1 / count)).toBeLessThan(0.03);
  });

  it('gives a send key the same line every time, and keys of one cart different lines across steps', () => {
    const key = sendKey({ shopId: 'shop-1', cartId: '42', step: 'reminder' });
    const first = pickVariant({ key, count: 4 });
    for (let attempt = 0; attempt < 10; attempt++) expect(pickVariant({ key, count: 4 })).toBe(first);
    const steps = ['reminder', 'incentive', 'last-chance', 'b2b', 'welcome', 'review'];
    const variants = new Set(steps.map((step) => pickVariant({ key: `cart:shop-1:42:${step}`, count: 2 })));
    expect(variants.size).toBe(2);
  });

  it('refuses a template without subject lines', () => {
    expect(() => pickVariant({ key: 'k', count: 0 })).toThrow(/no variants/);
  });

  it('the renderer picks the line from the send key and reports which', async () => {
    const renderer = createTemplateRenderer({ dir: templatesDir });
    const data = buildCartEmailData(Cart.parse(sample));
    const lines = ['Ada, your cart is waiting', 'Ada, still thinking it over? 3 items saved'];
    const seen = new Set<number>();
    for (const key of keys(20)) {
      const email = await renderer.render('cart-reminder', data, { variantKey: key });
      expect(email.subjectVariant).toBe(pickVariant({ key, count: 2 }));
      expect(email.subject).toBe(lines[email.subjectVariant]);
      seen.add(email.subjectVariant);
    }
    expect(seen).toEqual(new Set([0, 1]));
    // An explicit choice (the preview's variant switch) wins over the key.
    const chosen = await renderer.render('cart-reminder', data, { variantKey: keys(1)[0], subjectVariant: 1 });
    expect(chosen.subject).toBe(lines[1]);
  });
});
