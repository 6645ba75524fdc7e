import { describe, expect, it } from 'vitest';
import { readableCart, readableDiscountCode, readableOrder } from '../../db/person-export-money';

// Only the fields the functions read; the rest of a row passes through untouched.
const cart = (total: string | null, currency: string | null) =>
  readableCart({ total, currency } as Parameters<typeof readableCart>[0]).total;
const code = (type: 'percent' | 'fixed' | 'free_shipping', value: string, currency: string | null) =>
  readableDiscountCode({ type, value, currency } as Parameters<typeof readableDiscountCode>[0]).value;

describe('money in an access-request export', () => {
  it('shows a stored numeric with its currency’s decimals', () => {
    expect(cart('52.3000', 'EUR')).toBe('52.30');
    expect(cart('1500.0000', 'JPY')).toBe('1500');
    expect(cart('1.2340', 'KWD')).toBe('1.234');
    expect(cart('9.9000', null)).toBe('9.90');
    expect(cart(null, 'EUR')).toBeNull();
  });

  it('turns minor units into the amount they stand for, under a name without "Minor"', () => {
    const order = readableOrder({ totalMinor: 5230, currency: 'EUR' } as Parameters<typeof readableOrder>[0]);
    expect(order).toEqual({ total: '52.30', currency: 'EUR' });
  });

  it('shows a percentage as a plain number and a fixed amount as money', () => {
    expect(code('percent', '10.0000', null)).toBe('10');
    expect(code('percent', '12.5000', null)).toBe('12.5');
    expect(code('fixed', '5.0000', 'EUR')).toBe('5.00');
    expect(code('free_shipping', '0.0000', null)).toBe('0');
  });
});
