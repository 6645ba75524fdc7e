export interface FormattingLocaleInput {
  /** The customer's language tag, as the shop sent it: `de-DE`, `zh-Hant-TW`, `ar`. */
  customerLocale: string;
  /** The language of the template being rendered: `en`, `ru` (the shop's default when the customer's has no variant). */
  templateLanguage: string;
}

/** Results by input: parsing tags and asking Intl costs more than a send's formatting; bounded, as tags come from webhooks. */
const results = new Map<string, string>();
const MAX_RESULTS = 256;

/**
 * The locale an email's prices, dates and numbers are formatted in: the language of its words, the
 * customer's region. A German customer (`de-DE`) reading the English template gets `en-DE`
 * ("Thursday, 3 December 2026", "€39.80"), not "Donnerstag" and "39,80 €" inside English
 * sentences; an `ar` customer gets `en` (no Arabic-Indic digits in English text). When the
 * template is in the customer's own language (`ru-RU` and `ru`), the customer's own tag, as sent.
 * Tags are taken apart by Intl, so `iw` is `he` and scripts and extensions (`-u-nu-arab`, which
 * belong to the customer's language) do not leak into the template's; an invalid customer tag
 * gives the template's tag alone.
 */
export function formattingLocale({ customerLocale, templateLanguage }: FormattingLocaleInput): string {
  return cached({ customerLocale, templateLanguage, withRegion: true });
}

/**
 * The locale an email's amounts and percentages are formatted in: as `formattingLocale`, but when
 * the template's language is not the customer's, the template's language without the customer's
 * region. CLDR gives several English-with-a-region locales the region's separators for plain
 * numbers and percentages but English ones for currencies: `en-DE` formats "€1,274.30" beside
 * "12,5 %", which reads as two languages in one line. Dates keep the region (`formattingLocale`).
 */
export function numberFormattingLocale({ customerLocale, templateLanguage }: FormattingLocaleInput): string {
  return cached({ customerLocale, templateLanguage, withRegion: false });
}

function cached(input: FormattingLocaleInput & { withRegion: boolean }): string {
  const key = `${input.customerLocale}\u0000${input.templateLanguage}\u0000${input.withRegion}`;
  let result = results.get(key);
  if (result === undefined) {
    result = decide(input);
    if (results.size >= MAX_RESULTS) results.clear();
    results.set(key, result);
  }
  return result;
}

function decide({
  customerLocale,
  templateLanguage,
  withRegion,
}: FormattingLocaleInput & { withRegion: boolean }): string {
  const template = parse(templateLanguage);
  // The shop's own setting, not the customer's: when it is no tag, format as before rather than fail a send.
  if (!template) return customerLocale;
  const customer = parse(customerLocale);
  if (!customer) return template.baseName;
  if (customer.language === template.language) return customerLocale;
  if (withRegion && customer.region) {
    const regional = new Intl.Locale(template.baseName, { region: customer.region }).toString();
    if (isSupported(regional)) return regional;
  }
  return template.baseName;
}

function parse(tag: string): Intl.Locale | undefined {
  try {
    return new Intl.Locale(tag);
  } catch {
    return undefined;
  }
}

/** Intl formats numbers and dates for the tag (or for its language, when it has no data for the region). */
function isSupported(tag: string): boolean {
  return Intl.NumberFormat.supportedLocalesOf(tag).length > 0 && Intl.DateTimeFormat.supportedLocalesOf(tag).length > 0;
}
