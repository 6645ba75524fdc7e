import { describe, expect, it } from 'vitest';
import { buildCartEmailData } from '../../domain/cart-email-data';
import { CartUpdatedEvent } from '../../domain/events';
import { formatMoney, lineTotal } from '../../domain/money';
import { cartUpdatedEvent } from '../helpers/cart-events';

describe('money', () => {
  it('multiplies decimal prices exactly', () => {
    expect(lineTotal({ unitPrice: '0.1', quantity: 3 })).toBe('0.3');
    expect(lineTotal({ unitPrice: '19.90', quantity: 2 })).toBe('39.80');
    expect(lineTotal({ unitPrice: '7', quantity: 6 })).toBe('42');
    expect(lineTotal({ unitPrice: '0.05', quantity: 1 })).toBe('0.05');
  });

  it('formats by currency and locale', () => {
    expect(formatMoney({ amount: '39.80', currency: 'EUR', locale: 'en' })).toBe('€39.80');
    expect(formatMoney({ amount: '1234.5', currency: 'RUB', locale: 'ru' })).toBe('1\u00a0234,50\u00a0₽');
    expect(formatMoney({ amount: '1000', currency: 'JPY', locale: 'ja' })).toBe('￥1,000');
  });

  it('keeps each answer when formatters are reused: other locales, currencies, amounts and the English fallback', () => {
    for (let round = 0; round < 2; round++) {
      expect(formatMoney({ amount: '39.80', currency: 'EUR', locale: 'de' })).toBe('39,80\u00a0€');
      expect(formatMoney({ amount: '0.5', currency: 'EUR', locale: 'de' })).toBe('0,50\u00a0€');
      expect(formatMoney({ amount: '39.80', currency: 'USD', locale: 'de' })).toBe('39,80\u00a0$');
      expect(formatMoney({ amount: '5', currency: 'EUR', locale: 'not a locale!' })).toBe('€5.00');
    }
    // Many distinct locales (they come from webhooks) still format correctly past the cache's bound.
    for (let index = 0; index < 300; index++) {
      expect(formatMoney({ amount: '1', currency: 'EUR', locale: `en-x-shop${index}` })).toBe('€1.00');
    }
  });
});

describe('cart email data', () => {
  it('carries names, formatted prices, line totals and the recovery link', () => {
    const event = CartUpdatedEvent.parse(cartUpdatedEvent());
    const data = buildCartEmailData(event.data);
    expect(data.customer).toEqual({
      name: 'Ada',
      hasName: true,
      email: event.data.customer.email,
      displayEmail: event.data.customer.email,
      b2b: false,
    });
    expect(data.items[0]).toMatchObject({
      name: 'Organic cotton T-shirt',
      unitPrice: '€19.90',
      lineTotal: '€39.80',
      hasImage: true,
    });
    // An item without its own URL links back to the saved cart.
    expect(data.items[1]).toMatchObject({ unitPrice: '€12.50', hasImage: false, url: event.data.recoveryUrl });
    expect(data.itemCount).toBe(3);
    expect(data.total).toBe('€52.30');
  });
});

describe('names in an email written right to left', () => {
  const FSI = '\u2068';
  const PDI = '\u2069';
  const event = CartUpdatedEvent.parse(
    cartUpdatedEvent({
      customer: { name: "Seán O'Brien & Co", locale: 'he-IL' },
      items: [
        { sku: 'MUG', name: '"Tom & Jerry" mug <350 ml> — it\'s back ☕', quantity: 2, unitPrice: '12.50' },
        { sku: 'TEE', name: 'חולצת כותנה קלאסית', quantity: 1, unitPrice: '19.90' },
      ],
      // 2 × 12.50 + 19.90
    }),
  );
  const withTotal = { ...event.data, total: '44.90' };

  it('a Latin product or customer name in a Hebrew template keeps its quotation marks and emoji in place (first-strong isolate)', () => {
    const data = buildCartEmailData(withTotal, { templateLanguage: 'he' });
    expect(data.items[0]?.name).toBe(`${FSI}"Tom & Jerry" mug <350 ml> — it's back ☕${PDI}`);
    expect(data.customer.name).toBe(`${FSI}Seán O'Brien & Co${PDI}`);
    // Hebrew in a Hebrew line needs nothing.
    expect(data.items[1]?.name).toBe('חולצת כותנה קלאסית');
  });

  it('the same customer read in an English template gets no invisible characters around Latin names', () => {
    const data = buildCartEmailData(withTotal, { templateLanguage: 'en' });
    expect(data.items[0]?.name).toBe('"Tom & Jerry" mug <350 ml> — it\'s back ☕');
    expect(data.customer.name).toBe("Seán O'Brien & Co");
    expect(data.items[1]?.name).toBe(`${FSI}חולצת כותנה קלאסית${PDI}`);
  });
});
