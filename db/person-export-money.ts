import type { carts, chains, discountCodes, messages, orders } from './schema';
import { fromMinorUnits, toMinorUnits } from '../domain/money';

/**
 * An access request is read by the person, not by a DBA: money in the export is a decimal in its
 * currency ("52.30" EUR), not the stored form (numeric "52.3000", or 5230 minor units).
 */

type Cart = typeof carts.$inferSelect;
type Order = typeof orders.$inferSelect;
type Chain = typeof chains.$inferSelect;
type Message = typeof messages.$inferSelect;
type DiscountCode = typeof discountCodes.$inferSelect;

export type ReadableOrder = Omit<Order, 'totalMinor'> & { total: string };
export type ReadableChain = Omit<Chain, 'revenueMinor'> & { revenue: string };
export type ReadableMessage = Omit<Message, 'attributedRevenueMinor'> & { attributedRevenue: string };

/** A stored decimal ("52.3000") with as many decimals as its currency has ("52.30"; "1500" JPY). */
function decimalIn(amount: string, currency: string | null): string {
  const code = currency ?? '';
  return fromMinorUnits({ minor: toMinorUnits({ amount, currency: code }), currency: code });
}

/** Minor units (5230) as the decimal they stand for ("52.30"). */
function minorIn(minor: number, currency: string | null): string {
  return fromMinorUnits({ minor, currency: currency ?? '' });
}

export function readableCart(cart: Cart): Cart {
  return { ...cart, total: cart.total === null ? null : decimalIn(cart.total, cart.currency) };
}

export function readableOrder({ totalMinor, ...order }: Order): ReadableOrder {
  return { ...order, total: minorIn(totalMinor, order.currency) };
}

export function readableChain({ revenueMinor, ...chain }: Chain): ReadableChain {
  return { ...chain, revenue: minorIn(revenueMinor, chain.currency) };
}

export function readableMessage({ attributedRevenueMinor, ...message }: Message): ReadableMessage {
  return { ...message, attributedRevenue: minorIn(attributedRevenueMinor, message.currency) };
}

/** A fixed amount is money; a percentage is a plain number ("10", "12.5"). */
export function readableDiscountCode(code: DiscountCode): DiscountCode {
  if (code.type === 'fixed') return { ...code, value: decimalIn(code.value, code.currency) };
  return { ...code, value: plainDecimal(code.value) };
}

function plainDecimal(amount: string): string {
  return amount.includes('.') ? amount.replace(/\.?0+$/, '') : amount;
}
