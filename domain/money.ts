import { isolateRightToLeft } from './bidi-isolate';

export interface FormatMoneyInput {
  amount: string;
  currency: string;
  locale: string;
}

/**
 * Formatters by locale and currency. Building an Intl.NumberFormat costs far more than formatting
 * with one, and every cart email formats each line and the total; a shop has few of each. Locales
 * come from webhooks, so the cache is bounded: past the bound it starts again.
 */
const formatters = new Map<string, Intl.NumberFormat>();
const MAX_FORMATTERS = 256;

function formatterFor(tag: string, currency: string): Intl.NumberFormat {
  const key = `${tag}\u0000${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(tag, { style: 'currency', currency });
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * "19.9", EUR, de → "19,90 €". Falls back to English when the locale is unknown to Intl. Right-to-
 * left output comes isolated, to keep its place in text of either direction (bidi-isolate.ts).
 */
export function formatMoney({ amount, currency, locale }: FormatMoneyInput): string {
  // Intl accepts decimal strings exactly (no float rounding of the shop's amount).
  const format = (tag: string) => isolateRightToLeft(formatterFor(tag, currency).format(amount as unknown as number));
  try {
    return format(locale);
  } catch {
    return format('en');
  }
}

export interface LineTotalInput {
  unitPrice: string;
  quantity: number;
}

/** Exact decimal multiplication on strings (up to 4 decimals), so 3 × 0.1 is 0.3, not 0.30000000000000004. */
export function lineTotal({ unitPrice, quantity }: LineTotalInput): string {
  const [whole = '0', fraction = ''] = unitPrice.split('.');
  const scale = fraction.length;
  const units = BigInt(whole + fraction) * BigInt(quantity);
  if (scale === 0) return units.toString();
  const digits = units.toString().padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/**
 * Digits after the decimal point of each ISO 4217 currency's minor unit; 2 for any other. The SQL
 * function analytics_currency_digits (db/migrations/0007) holds the same list: a test compares them.
 */
export const MINOR_UNIT_DIGITS: Readonly<Record<string, number>> = {
  ...Object.fromEntries(
    [
      'BIF',
      'CLP',
      'DJF',
      'GNF',
      'ISK',
      'JPY',
      'KMF',
      'KRW',
      'PYG',
      'RWF',
      'UGX',
      'UYI',
      'VND',
      'VUV',
      'XAF',
      'XOF',
      'XPF',
    ].map((code) => [code, 0]),
  ),
  ...Object.fromEntries(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'].map((code) => [code, 3])),
  CLF: 4,
  UYW: 4,
};

export function minorUnitDigits(currency: string): number {
  return MINOR_UNIT_DIGITS[currency] ?? 2;
}

/**
 * Whether a decimal amount says more than its currency's minor unit holds: "100.50" JPY and
 * "19.999" EUR do; "100.00" JPY and "19.900" EUR do not (trailing zeros are exact). The webhook
 * contract refuses such amounts (domain/events.ts) rather than let toMinorUnits round them.
 */
export function hasMoreDecimalsThanCurrency({ amount, currency }: { amount: string; currency: string }): boolean {
  const fraction = amount.split('.')[1] ?? '';
  return /[1-9]/.test(fraction.slice(minorUnitDigits(currency)));
}

/**
 * "19.90" EUR → 1990; "1500" JPY → 1500. Exact on the decimal string (never a float). Webhook
 * amounts arrive exact (the contract refuses more decimals than the currency has); any other
 * amount's extra decimals are rounded half away from zero ("0.005" EUR → 1).
 */
export function toMinorUnits({ amount, currency }: { amount: string; currency: string }): number {
  const digits = minorUnitDigits(currency);
  const [whole = '0', fraction = ''] = amount.split('.');
  const kept = BigInt(whole + fraction.padEnd(digits, '0').slice(0, digits));
  const roundUp = (fraction[digits] ?? '0') >= '5';
  return Number(kept + (roundUp ? 1n : 0n));
}

/** 1990 EUR → "19.90": for reports; the inverse of toMinorUnits. */
export function fromMinorUnits({ minor, currency }: { minor: number; currency: string }): string {
  const digits = minorUnitDigits(currency);
  if (digits === 0) return String(minor);
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  return `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
