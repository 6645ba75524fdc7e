/** The word forms a language needs, by `Intl.PluralRules` category (Russian: one, few, many). */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>>;

export interface PluralizeInput {
  count: number;
  locale: string;
  forms: PluralForms;
}

/** Thrown when the forms given do not cover the category a count falls into. */
export class PluralFormError extends Error {
  override name = 'PluralFormError';
}

// Building Intl objects costs far more than using them; a send formats with a handful of locales.
const rules = new Map<string, Intl.PluralRules>();
const numbers = new Map<string, Intl.NumberFormat>();
const cached = <T>(cache: Map<string, T>, locale: string, create: () => T): T => {
  let value = cache.get(locale);
  if (!value) cache.set(locale, (value = create()));
  return value;
};

/**
 * 1 → "товар", 2 → "товара", 5 → "товаров" (ru). Falls back to `other`; without it, a missing
 * category is an error rather than a wrong word in a customer's email.
 */
export function pluralWord({ count, locale, forms }: PluralizeInput): string {
  const rule = cached(rules, locale, () => new Intl.PluralRules(locale));
  const category = smallCount(count)
    ? cachedCount(categories, locale, count, () => rule.select(count))
    : rule.select(count);
  const word = forms[category] ?? forms.other;
  if (word === undefined) {
    const needed = rule.resolvedOptions().pluralCategories.join('=, ');
    throw new PluralFormError(`no "${category}" form for ${count} in ${locale} (give ${needed}=)`);
  }
  return word;
}

/** "5 товаров": the count formatted for the locale, then the matching word. */
export function pluralize(input: PluralizeInput): string {
  const { count, locale } = input;
  const number = cached(numbers, locale, () => new Intl.NumberFormat(locale));
  const formatted = smallCount(count)
    ? cachedCount(formattedCounts, locale, count, () => number.format(count))
    : number.format(count);
  return `${formatted} ${pluralWord(input)}`;
}

// Emails count items and lines: the same small numbers again and again, remembered per locale.
const categories = new Map<string, Intl.LDMLPluralRule[]>();
const formattedCounts = new Map<string, string[]>();
const smallCount = (count: number) => Number.isInteger(count) && count >= 0 && count < 1000;

function cachedCount<T>(cache: Map<string, T[]>, locale: string, count: number, compute: () => T): T {
  const byCount = cached(cache, locale, () => [] as T[]);
  let value = byCount[count];
  if (value === undefined) byCount[count] = value = compute();
  return value;
}
