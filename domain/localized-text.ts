import { z } from 'zod';

/**
 * Text the shop shows in every email (its name, its postal address), either one string for every
 * language or one per language: `{ "default": "…", "ru": "…" }`. A Russian email then carries the
 * shop's identity in Russian, as a shop that writes to its customers in Russian does.
 */
export const LocalizedText = z.union([
  z.string(),
  z
    .object({ default: z.string({ error: 'give "default", used for every language without its own text' }) })
    .catchall(z.string({ error: 'must be text' })),
]);
export type LocalizedText = z.infer<typeof LocalizedText>;

/** The text for `ru-RU`: its own, else `ru`'s, else the default. */
export function textForLocale(text: LocalizedText, locale: string): string {
  if (typeof text === 'string') return text;
  const lower = locale.toLowerCase();
  const byLocale = new Map(Object.entries(text).map(([key, value]) => [key.toLowerCase(), value]));
  return byLocale.get(lower) ?? byLocale.get(lower.split('-')[0] ?? '') ?? text.default;
}

/** Every spelling of the text, the default first: what a check must find set. */
export function allTexts(text: LocalizedText): Array<{ locale: string; text: string }> {
  if (typeof text === 'string') return [{ locale: 'default', text }];
  const { default: fallback, ...rest } = text;
  return [
    { locale: 'default', text: fallback },
    ...Object.entries(rest).map(([locale, value]) => ({ locale, text: value })),
  ];
}
