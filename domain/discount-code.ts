/**
 * What a checkout is told about one of cartflow's own codes. Pure: the facts come from the row,
 * and "expired" from the database clock, so validating and redeeming never disagree.
 */

export const MAX_CODE_LENGTH = 64;

export type CheckoutCodeStatus = 'valid' | 'expired' | 'used' | 'disabled';

export interface CodeFacts {
  status: 'active' | 'used' | 'disabled';
  /** `expires_at <= now()` by the database's clock. */
  expired: boolean;
}

/** A used or disabled code says so even after it expired: that is the more useful answer. */
export function checkoutStatus({ status, expired }: CodeFacts): CheckoutCodeStatus {
  if (status !== 'active') return status;
  return expired ? 'expired' : 'valid';
}

export type DiscountOffer =
  | { type: 'percent'; percentOff: number }
  | { type: 'fixed'; amountOff: string; currency: string | null }
  | { type: 'free_shipping'; freeShipping: true };

/**
 * The offer as a checkout applies it. Amounts stay decimal strings (no float rounding of money);
 * a percentage is a plain number.
 */
export function offerOf(code: { type: DiscountOffer['type']; value: string; currency: string | null }): DiscountOffer {
  switch (code.type) {
    case 'percent':
      return { type: 'percent', percentOff: Number(code.value) };
    case 'fixed':
      return { type: 'fixed', amountOff: trimDecimal(code.value), currency: code.currency };
    case 'free_shipping':
      return { type: 'free_shipping', freeShipping: true };
  }
}

/** `"15.5000"` → `"15.5"`, `"10.0000"` → `"10"`: numeric(12,4) as people write it. */
export function trimDecimal(value: string): string {
  if (!value.includes('.')) return value;
  return value.replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * Codes are typed by hand: matching ignores case. Built-in codes are upper case by construction
 * (see code-generator), so upper-casing the input is the whole comparison and keeps the unique
 * index usable.
 */
export function normalizeCode(code: string): string {
  return code.trim().toUpperCase();
}
