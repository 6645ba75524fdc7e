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

/**
 * 1 → "товар", 2 → "товара", 5 → "товаров" (ru). Falls back to `other`; without it, a missing
 * category is an error rather than a wrong word in a customer's email.
 */
export function pluralWord({ count, locale, forms }: PluralizeInput): string {
  const category = new Intl.PluralRules(locale).select(count);
  const word = forms[category] ?? forms.other;
  if (word === undefined) {
    const needed = new Intl.PluralRules(locale).resolvedOptions().pluralCategories.join('=, ');
    throw new PluralFormError(`no "${category}" form for ${count} in ${locale} (give ${needed}=)`);
  }
  return word;
}

/** "5 товаров": the count formatted for the locale, then the matching word. */
export function pluralize(input: PluralizeInput): string {
  return `${new Intl.NumberFormat(input.locale).format(input.count)} ${pluralWord(input)}`;
}
