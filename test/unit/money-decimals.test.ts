import { describe, expect, it } from 'vitest';
import { CartEvent, WebhookCartEvent } from '../../domain/events';
import { hasMoreDecimalsThanCurrency } from '../../domain/money';
import { cartUpdatedEvent, orderPlacedEvent } from '../helpers/cart-events';

const issuesOf = (input: unknown) => {
  const result = WebhookCartEvent.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

function cart({ currency, unitPrice, total }: { currency: string; unitPrice: string | number; total: string }) {
  const event = cartUpdatedEvent({ items: [{ sku: 'A', name: 'Tea', quantity: 1, unitPrice }] });
  return { ...event, data: { ...event.data, currency, total } };
}

/** A cart whose one line is exact in every currency: only its total is under test. */
const cartTotal = ({ currency, total }: { currency: string; total: string }) =>
  cart({ currency, unitPrice: '1', total });

function order({ currency, total }: { currency: string; total: string | number }) {
  const event = orderPlacedEvent({ cartId: 'c1' });
  return { ...event, data: { ...event.data, currency, total } };
}

describe('amounts with more decimals than their currency has', () => {
  it.each([
    ['JPY', '100.50', 0],
    ['EUR', '19.999', 2],
    ['KWD', '1.2345', 3],
    ['BHD', '0.0001', 3],
  ])('%s %s is refused, naming the field, the currency and its %s decimals', (currency, total, digits) => {
    expect(issuesOf(cartTotal({ currency, total }))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^data\\.total: "${total.replace('.', '\\.')}" has more decimals than ${currency} allows \\(${digits}\\)`,
        ),
      ),
    ]);
  });

  it('says what to send instead', () => {
    expect(issuesOf(cartTotal({ currency: 'JPY', total: '100.50' }))).toEqual([
      'data.total: "100.50" has more decimals than JPY allows (0); send the amount as charged, in whole JPY',
    ]);
    expect(issuesOf(cartTotal({ currency: 'EUR', total: '19.999' }))).toEqual([
      'data.total: "19.999" has more decimals than EUR allows (2); send the amount as charged, to at most 2 decimals',
    ]);
  });

  it('refuses a JSON number with too many decimals too', () => {
    expect(issuesOf(cart({ currency: 'JPY', unitPrice: 100.5, total: '100' }))).toEqual([
      expect.stringMatching(/^data\.items\.0\.unitPrice: "100\.5" has more decimals than JPY allows \(0\)/),
    ]);
  });

  it.each([
    ['JPY', '100.00', '1000'],
    ['JPY', '1000', '1000.0000'],
    ['EUR', '19.900', '19.90'],
    ['EUR', '19', '19.9'],
    ['KWD', '1.2340', '1.234'],
    ['OMR', '5.5', '5.500'],
  ])('%s accepts exact amounts, trailing zeros included (%s, %s)', (currency, unitPrice, total) => {
    expect(issuesOf(cart({ currency, unitPrice, total }))).toEqual([]);
    expect(issuesOf(order({ currency, total }))).toEqual([]);
  });

  it('is a rule of the webhook only: an event stored before it still reads back (the outbox relay parses CartEvent)', () => {
    const stored = cart({ currency: 'JPY', unitPrice: '100.50', total: '100.50' });
    expect(issuesOf(stored)).not.toEqual([]);
    expect(CartEvent.safeParse(stored).success).toBe(true);
  });

  it('keeps the amount as sent when it is exact', () => {
    const parsed = CartEvent.parse(order({ currency: 'JPY', total: '1000.00' }));
    expect(parsed.type === 'order.placed' && parsed.data.total).toBe('1000.00');
  });

  it('names every inexact amount of a cart, lines and total, with the other bad fields', () => {
    const event = cartUpdatedEvent({
      items: [
        { sku: 'A', name: 'Tea', quantity: 1, unitPrice: '100.50' },
        { sku: 'B', name: 'Cup', quantity: 1, unitPrice: '200' },
        { sku: 'C', name: 'Pot', quantity: 1, unitPrice: 300.25 },
      ],
      customer: { email: 'not-an-email' },
    });
    const bad = { ...event, data: { ...event.data, currency: 'JPY', total: '600.75' } };
    expect(issuesOf(bad)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^data\.customer\.email: must be an email address/),
        expect.stringMatching(/^data\.total: "600\.75" has more decimals than JPY allows \(0\)/),
        expect.stringMatching(/^data\.items\.0\.unitPrice: "100\.50" has more decimals than JPY allows \(0\)/),
        expect.stringMatching(/^data\.items\.2\.unitPrice: "300\.25" has more decimals than JPY allows \(0\)/),
      ]),
    );
    expect(issuesOf(bad)).toHaveLength(4);
  });

  it('names the amount of a line that also breaks another rule', () => {
    const event = cartUpdatedEvent({ items: [{ sku: 'A', name: 'Tea', quantity: 0, unitPrice: 100.5 }] });
    const bad = { ...event, data: { ...event.data, currency: 'JPY', total: '0' } };
    expect(issuesOf(bad)).toEqual([
      expect.stringMatching(/^data\.items\.0\.quantity: must be a whole number/),
      expect.stringMatching(/^data\.items\.0\.unitPrice: "100\.5" has more decimals than JPY allows \(0\)/),
    ]);
  });

  it('never refuses an order over its precision: that would keep the chain emailing someone who just bought', () => {
    const event = order({ currency: 'EUR', total: '19.999' });
    const withLines = {
      ...event,
      data: { ...event.data, items: [{ sku: 'A', name: 'Tea', quantity: 1, unitPrice: '9.995' }] },
    };
    expect(issuesOf(withLines)).toEqual([]);
    expect(issuesOf(order({ currency: 'JPY', total: '100.50' }))).toEqual([]);
  });

  it('says nothing more about an amount or a currency that already broke its own rule', () => {
    expect(issuesOf(cartTotal({ currency: 'JPY', total: '1.23456' }))).toEqual([
      'data.total: must be a non-negative decimal amount such as 19.90 (up to 12 digits, 4 decimals)',
    ]);
    expect(issuesOf(cartTotal({ currency: 'XYZ', total: '1.555' }))).toEqual([
      'data.currency: must be an ISO 4217 code such as EUR',
    ]);
  });
});

describe('hasMoreDecimalsThanCurrency', () => {
  it('looks only at the digits past the minor unit, and only at non-zero ones', () => {
    expect(hasMoreDecimalsThanCurrency({ amount: '100.50', currency: 'JPY' })).toBe(true);
    expect(hasMoreDecimalsThanCurrency({ amount: '100.00', currency: 'JPY' })).toBe(false);
    expect(hasMoreDecimalsThanCurrency({ amount: '100', currency: 'JPY' })).toBe(false);
    expect(hasMoreDecimalsThanCurrency({ amount: '19.999', currency: 'EUR' })).toBe(true);
    expect(hasMoreDecimalsThanCurrency({ amount: '19.990', currency: 'EUR' })).toBe(false);
    expect(hasMoreDecimalsThanCurrency({ amount: '1.2345', currency: 'KWD' })).toBe(true);
    expect(hasMoreDecimalsThanCurrency({ amount: '1.2345', currency: 'CLF' })).toBe(false);
  });
});
