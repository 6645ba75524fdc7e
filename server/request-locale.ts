import type { Context } from 'hono';
import { accepts } from 'hono/accepts';
import { type PageLocale, PAGE_LOCALES } from './unsubscribe-texts';

/**
 * The language of a page that no email's language decides (a link that names no message we hold):
 * the browser's Accept-Language, by weight, matched on the primary subtag (`ru-RU` is Russian);
 * English when it names none we speak or is absent.
 */
export function requestPageLocale(c: Context): PageLocale {
  const chosen = accepts(c, {
    header: 'Accept-Language',
    supports: [...PAGE_LOCALES],
    default: 'en',
    match: (ranges, { supports, default: fallback }) => {
      const byWeight = ranges.filter((range) => range.q > 0).sort((a, b) => b.q - a.q);
      for (const { type } of byWeight) {
        const [primary = ''] = type.toLowerCase().split('-');
        if (supports.includes(primary)) return primary;
      }
      return fallback;
    },
  });
  return chosen as PageLocale;
}
