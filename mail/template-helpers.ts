import type { HelperDelegate, HelperOptions } from 'handlebars';
import { formatDate, type DateStyle } from '../domain/date-format';
import { formatMoney } from '../domain/money';
import { type PluralForms, pluralize } from '../domain/plural';

/**
 * Per-render values helpers read from Handlebars' `@data`: `@locale` is the language the template
 * is written in; `@templateId` tags tracked links; `@now` decides whether a discount has expired.
 */
export interface RenderFrame {
  locale: string;
  templateId: string;
  now: Date;
  /** The recipient's signed unsubscribe link at send time; absent in previews. */
  unsubscribeUrl?: string;
}

interface RootData {
  locale?: string;
  timeZone?: string;
  currency?: string;
  cartId?: string;
  customer?: { email?: string };
  shop?: { unsubscribeUrl?: string };
  discount?: { expiresAt?: string } | null;
}

type Options = HelperOptions & {
  data: RenderFrame & { root: RootData };
  loc?: { start: { line: number; column: number } };
};

const frame = (options: Options) => options.data;
const root = (options: Options) => options.data.root;
/** Money and dates follow the customer's conventions; words follow the template's language. */
const formattingLocale = (options: Options) => root(options).locale ?? frame(options).locale;

function requireHttpUrl(value: unknown, helper: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(String(value));
  } catch {
    // reported below
  }
  if (!url || !/^https?:$/.test(url.protocol)) throw new Error(`${helper}: "${String(value)}" is not an http(s) URL`);
  return url;
}

/** Tracked links repeat across sends (same products, same email): remember a bounded number. */
const trackedLinks = new Map<string, string>();

function trackedLink(value: unknown, campaign: string, content: unknown): string {
  const key = `${String(value)}\0${campaign}\0${String(content)}`;
  let link = trackedLinks.get(key);
  if (link === undefined) {
    const url = requireHttpUrl(value, 'track');
    url.searchParams.set('utm_source', 'cartflow');
    url.searchParams.set('utm_medium', 'email');
    url.searchParams.set('utm_campaign', campaign);
    if (typeof content === 'string') url.searchParams.set('utm_content', content);
    link = url.toString();
    if (trackedLinks.size >= 10_000) trackedLinks.clear();
    trackedLinks.set(key, link);
  }
  return link;
}

const helpers: Record<string, (...args: never[]) => unknown> = {
  /** `{{money "19.9"}}` → "€19.90" in the cart's currency; `currency="USD"` to override. */
  money(amount: unknown, options: Options) {
    const currency = String(options.hash.currency ?? root(options).currency ?? '');
    if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`money: no currency (give currency="EUR")`);
    if (!/^\d+(\.\d+)?$/.test(String(amount))) throw new Error(`money: "${String(amount)}" is not an amount`);
    return formatMoney({ amount: String(amount), currency, locale: formattingLocale(options) });
  },

  /** `{{date updatedAt}}`, `{{date discount.expiresAt style="short" time=true}}`, in the recipient's zone. */
  date(value: unknown, options: Options) {
    return formatDate({
      value: String(value),
      locale: formattingLocale(options),
      timeZone: root(options).timeZone ?? 'UTC',
      dateStyle: (options.hash.style as DateStyle | undefined) ?? 'long',
      withTime: options.hash.time === true,
    });
  },

  /** `{{plural itemCount one="товар" few="товара" many="товаров"}}` → "5 товаров". */
  plural(count: unknown, options: Options) {
    if (typeof count !== 'number') throw new Error(`plural: "${String(count)}" is not a number`);
    return pluralize({ count, locale: frame(options).locale, forms: options.hash as PluralForms });
  },

  /** `{{#each (first items 5)}}`: the first n entries of a list. */
  first(list: unknown, count: unknown) {
    if (!Array.isArray(list)) throw new Error('first: not a list');
    return list.slice(0, Number(count));
  },

  /** `{{more items 5}}`: how many entries `first` left out. */
  more(list: unknown, count: unknown) {
    if (!Array.isArray(list)) throw new Error('more: not a list');
    return Math.max(0, list.length - Number(count));
  },

  /** `{{track url "product"}}`: the link with utm parameters naming this email; only http(s). */
  track(value: unknown, ...rest: unknown[]) {
    const options = rest.pop() as Options;
    return trackedLink(value, frame(options).templateId, rest[0]);
  },

  /**
   * `{{unsubscribeUrl}}`: cartflow's unsubscribe page for this recipient when sending; in previews
   * (and for shops that run their own page) the pattern in shop.json.
   */
  unsubscribeUrl(options: Options) {
    const signed = frame(options).unsubscribeUrl;
    if (signed !== undefined) return signed;
    const data = root(options);
    const pattern = data.shop?.unsubscribeUrl;
    if (!pattern) throw new Error('unsubscribeUrl: set "unsubscribeUrl" in templates/shop.json');
    // Only the pattern needs checking: encoded values cannot change the scheme or host.
    if (!/^https?:\/\/[^/?#{}]+/i.test(pattern)) throw new Error(`unsubscribeUrl: "${pattern}" is not an http(s) URL`);
    return pattern
      .replaceAll('{email}', encodeURIComponent(data.customer?.email ?? ''))
      .replaceAll('{cartId}', encodeURIComponent(data.cartId ?? ''));
  },

  /** `{{#discount}}{{code}} until {{date expiresAt}}{{else}}…{{/discount}}`: only while it is valid. */
  discount(this: unknown, options: Options) {
    const discount = root(options).discount;
    const valid = discount?.expiresAt !== undefined && new Date(discount.expiresAt) > frame(options).now;
    return valid ? options.fn(discount) : options.inverse(this);
  },
};

/**
 * Registers the helpers. A helper's error gets Handlebars' ` - line:column` suffix, so it is
 * reported at the statement that called it, like a missing variable.
 */
export function registerHelpers(handlebars: typeof import('handlebars')): void {
  for (const [name, helper] of Object.entries(helpers)) {
    handlebars.registerHelper(name, function (this: unknown, ...args: unknown[]) {
      try {
        return (helper as (...values: unknown[]) => unknown).apply(this, args);
      } catch (error) {
        const loc = (args.at(-1) as Options).loc?.start;
        throw new Error(loc ? `${(error as Error).message} - ${loc.line}:${loc.column}` : (error as Error).message);
      }
    } as HelperDelegate);
  }
}

export const helperNames = Object.keys(helpers);
