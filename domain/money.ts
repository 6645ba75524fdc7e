export interface FormatMoneyInput {
  amount: string;
  currency: string;
  locale: string;
}

/** "19.9", EUR, de → "19,90 €". Falls back to English when the locale is unknown to Intl. */
export function formatMoney({ amount, currency, locale }: FormatMoneyInput): string {
  const format = (tag: string) =>
    // Intl accepts decimal strings exactly (no float rounding of the shop's amount).
    new Intl.NumberFormat(tag, { style: 'currency', currency }).format(amount as unknown as number);
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
