/** Intl.Locale's text info: `getTextInfo()` in newer engines, the `textInfo` getter in Node 20's. */
type WithTextInfo = Intl.Locale & {
  getTextInfo?: () => { direction?: string };
  textInfo?: { direction?: string };
};

/**
 * The direction a language is written in, from the language tag ('he', 'ar-EG', 'fa' → rtl; 'en',
 * 'ru' → ltr), as CLDR knows it through Intl. A tag Intl does not accept is taken as left to right.
 */
export function textDirectionOf(languageTag: string): 'rtl' | 'ltr' {
  try {
    const locale = new Intl.Locale(languageTag) as WithTextInfo;
    const info = locale.getTextInfo?.() ?? locale.textInfo;
    return info?.direction === 'rtl' ? 'rtl' : 'ltr';
  } catch {
    return 'ltr';
  }
}
