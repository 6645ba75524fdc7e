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
