import type { HelperDelegate, HelperOptions } from 'handlebars';
import { isolateRightToLeft } from '../domain/bidi-isolate';
import { formatDate, type DateStyle } from '../domain/date-format';
import { formattingLocale, numberFormattingLocale } from '../domain/formatting-locale';
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
  /**
   * Values one email uses more than once (a date in its subject, HTML and text): made once per
   * render. Every render gets a new frame, and Handlebars' copies of it share this map.
   */
  once: Map<string, string>;
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
/** Dates in the template's language with the customer's region (domain/formatting-locale.ts). */
const formattingLocaleOf = (options: Options) => {
  const customerLocale = root(options).locale;
  const templateLanguage = frame(options).locale;
  return customerLocale === undefined ? templateLanguage : formattingLocale({ customerLocale, templateLanguage });
};

/** Money and percentages in the template's language (the customer's own tag when it is theirs). */
const numberLocaleOf = (options: Options) => {
  const customerLocale = root(options).locale;
  const templateLanguage = frame(options).locale;
  return customerLocale === undefined ? templateLanguage : numberFormattingLocale({ customerLocale, templateLanguage });
};

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

/**
 * Tracked links repeat across sends (same products, same email): remember a bounded number, by
 * template, then label, then URL, so a lookup hashes strings the data already holds instead of a
 * key built for every link.
 */
const trackedLinks = new Map<string, Map<string | undefined, Map<string, string>>>();
let trackedLinkCount = 0;

function trackedLink(value: unknown, campaign: string, content: unknown): string {
  const label = typeof content === 'string' ? content : undefined;
  const target = String(value);
  let byLabel = trackedLinks.get(campaign);
  if (!byLabel) trackedLinks.set(campaign, (byLabel = new Map()));
  let byTarget = byLabel.get(label);
  if (!byTarget) byLabel.set(label, (byTarget = new Map()));
  let link = byTarget.get(target);
  if (link === undefined) {
    const url = requireHttpUrl(value, 'track');
    url.searchParams.set('utm_source', 'cartflow');
    url.searchParams.set('utm_medium', 'email');
    url.searchParams.set('utm_campaign', campaign);
    if (label !== undefined) url.searchParams.set('utm_content', label);
    link = url.toString();
    if (trackedLinkCount >= 10_000) {
      trackedLinks.clear();
      trackedLinkCount = 0;
      return link;
    }
    byTarget.set(target, link);
    trackedLinkCount++;
  }
  return link;
}

function oncePerEmail(options: Options, key: string, compute: () => string): string {
  const values = frame(options).once;
  let value = values.get(key);
  if (value === undefined) values.set(key, (value = compute()));
  return value;
}

/** The shop's own unsubscribe page (shop.json), for previews and shops that run one. */
function shopUnsubscribeUrl(data: RootData): string {
  const pattern = data.shop?.unsubscribeUrl;
  if (!pattern) throw new Error('unsubscribeUrl: set "unsubscribeUrl" in templates/shop.json');
  // Only the pattern needs checking: encoded values cannot change the scheme or host.
  if (!/^https?:\/\/[^/?#{}]+/i.test(pattern)) throw new Error(`unsubscribeUrl: "${pattern}" is not an http(s) URL`);
  return pattern
    .replaceAll('{email}', encodeURIComponent(data.customer?.email ?? ''))
    .replaceAll('{cartId}', encodeURIComponent(data.cartId ?? ''));
}

const percentFormats = new Map<string, Intl.NumberFormat>();

/** 10 → "10%", 12.5 → "12.5%"; English when Intl does not know the locale, and isolated when right-to-left, as money is. */
function formatPercent(value: number, locale: string): string {
  let format = percentFormats.get(locale);
  if (!format) {
    try {
      format = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 });
    } catch {
      format = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 2 });
    }
    percentFormats.set(locale, format);
  }
  return isolateRightToLeft(format.format(value / 100));
}

const helpers: Record<string, (...args: never[]) => unknown> = {
  /** `{{money "19.9"}}` → "€19.90" in the cart's currency; `currency="USD"` to override. */
  money(amount: unknown, options: Options) {
    const currency = String(options.hash.currency ?? root(options).currency ?? '');
    if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`money: no currency (give currency="EUR")`);
    if (!/^\d+(\.\d+)?$/.test(String(amount))) throw new Error(`money: "${String(amount)}" is not an amount`);
    return formatMoney({ amount: String(amount), currency, locale: numberLocaleOf(options) });
  },

  /** `{{percent percentOff}}` → "10%" (en), "10 %" (ru): a percentage formatted as money is. */
  percent(value: unknown, options: Options) {
    const number = typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(String(value)) ? Number(value) : NaN;
    if (!Number.isFinite(number)) throw new Error(`percent: "${String(value)}" is not a number`);
    return formatPercent(number, numberLocaleOf(options));
  },

  /** `{{date updatedAt}}`, `{{date discount.expiresAt style="short" time=true}}`, in the recipient's zone, formatted as money is. */
  date(value: unknown, options: Options) {
    const dateStyle = (options.hash.style as DateStyle | undefined) ?? 'long';
    const withTime = options.hash.time === true;
    return oncePerEmail(options, `date|${String(value)}|${dateStyle}|${withTime}`, () =>
      formatDate({
        value: String(value),
        locale: formattingLocaleOf(options),
        timeZone: root(options).timeZone ?? 'UTC',
        dateStyle,
        withTime,
      }),
    );
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
  track(value: unknown) {
    // Handlebars passes its options last; the label, when given, comes second.
    const options = arguments[arguments.length - 1] as Options;
    return trackedLink(value, frame(options).templateId, arguments.length > 2 ? arguments[1] : undefined);
  },

  /**
   * `{{unsubscribeUrl}}`: cartflow's unsubscribe page for this recipient when sending; in previews
   * (and for shops that run their own page) the pattern in shop.json.
   */
  unsubscribeUrl(options: Options) {
    const signed = frame(options).unsubscribeUrl;
    if (signed !== undefined) return signed;
    return oncePerEmail(options, 'unsubscribeUrl', () => shopUnsubscribeUrl(root(options)));
  },

  /** `{{#discount}}{{code}} until {{date expiresAt}}{{else}}…{{/discount}}`: only while it is valid. */
  discount(this: unknown, options: Options) {
    const discount = root(options).discount;
    const valid = discount?.expiresAt !== undefined && Date.parse(discount.expiresAt) > frame(options).now.getTime();
    return valid ? options.fn(discount) : options.inverse(this);
  },
};

/**
 * Registers the helpers. A helper's error gets Handlebars' ` - line:column` suffix, so it is
 * reported at the statement that called it, like a missing variable.
 */
export function registerHelpers(handlebars: typeof import('handlebars')): void {
  for (const [name, helper] of Object.entries(helpers)) {
    // `arguments` rather than rest parameters: this runs for every helper call of every send.
    handlebars.registerHelper(name, function (this: unknown) {
      try {
        return (helper as (...values: unknown[]) => unknown).apply(this, arguments as unknown as unknown[]);
      } catch (error) {
        const loc = (arguments[arguments.length - 1] as Options).loc?.start;
        throw new Error(loc ? `${(error as Error).message} - ${loc.line}:${loc.column}` : (error as Error).message);
      }
    } as HelperDelegate);
  }
}

export const helperNames = Object.keys(helpers);
