import { z } from 'zod';
import { LocalizedText } from './localized-text';

/** A shop id: the same rule as SHOP_ID (it is part of every workflow id and row key). */
export const ShopId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only (max 64)');

/** A myshopify.com-style domain, lower-cased: what X-Shopify-Shop-Domain carries. */
export const ShopifyDomain = z
  .string()
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.string().regex(/^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)+$/, 'must be a domain such as my-shop.myshopify.com'));

export const ShopifyApiVersion = z
  .string()
  .regex(/^(\d{4}-(01|04|07|10)|unstable)$/, 'must be a Shopify API version such as 2025-10');

/** Where a shop's incentive codes are made (see docs/shops.md). */
export const DiscountSourceSetting = z.discriminatedUnion('kind', [
  /** cartflow's own codes, redeemed through /checkout. */
  z.object({ kind: z.literal('builtin') }),
  /** The shop's discount API (as SHOP_API_URL / SHOP_API_TOKEN). */
  z.object({
    kind: z.literal('shop_api'),
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    token: z.string().min(1),
  }),
  /** Shopify's Admin API (as SHOPIFY_ADMIN_TOKEN / SHOPIFY_API_VERSION) on the shop's domain. */
  z.object({ kind: z.literal('shopify'), adminToken: z.string().min(1), apiVersion: ShopifyApiVersion }),
]);
export type DiscountSourceSetting = z.infer<typeof DiscountSourceSetting>;

export const Currencies = z.array(z.string().regex(/^[A-Z]{3}$/, 'must be ISO 4217 codes such as EUR,USD')).min(1);

/**
 * What a display name in a header must not carry: C0 and C1 controls (CR and LF would end the From
 * header), DEL, the Unicode line and paragraph separators, and the bidi embedding, override and
 * isolate controls, with which `Shop \u202Egpj.exe` shows as `Shop exe.jpg`.
 */
const DISPLAY_NAME_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** A shop's --from-name: one line of plain text, shown as the sender and as `{{shop.name}}`. */
export const FromName = z
  .string()
  .transform((value) => value.trim())
  .superRefine((value, context) => {
    const unsafe = DISPLAY_NAME_UNSAFE.exec(value)?.[0];
    if (unsafe !== undefined) {
      const code = unsafe.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      context.addIssue({
        code: 'custom',
        message: `must be one line of text: no line break, control or bidi override character (found U+${code})`,
      });
    } else if (value.length === 0) context.addIssue({ code: 'custom', message: 'must not be empty' });
    else if (value.length > 100) context.addIssue({ code: 'custom', message: 'must be at most 100 characters' });
  });

/**
 * How a shop's emails present it. Every field is optional: what a shop leaves unset comes from the
 * install's defaults (MAIL_FROM, SHOP_POSTAL_ADDRESS, templates/shop.json).
 */
export interface SenderIdentity {
  /** The From header, e.g. `"O'Brien & Sons" <shop@obrien.example>`. */
  from?: string;
  replyTo?: string;
  postalAddress?: LocalizedText;
  defaultLocale?: string;
}

/** A From header from a display name and an address, quoted so that commas, quotes and `&` survive. */
export function fromHeader({ name, address }: { name?: string | null; address: string }): string {
  if (!name) return address;
  return `"${name.replace(/["\\]/g, (char) => `\\${char}`)}" <${address}>`;
}

/**
 * A webhook body with the shop's default language filled in where the customer's is not given
 * (before validation, which would default it to `en`). Anything else is returned as it is.
 */
export function withDefaultLocale(json: unknown, locale: string | undefined): unknown {
  if (!locale || !isObject(json)) return json;
  const data = json.data;
  if (!isObject(data) || !isObject(data.customer)) return json;
  const customer = data.customer;
  if (customer.locale !== undefined && customer.locale !== null) return json;
  return { ...json, data: { ...data, customer: { ...customer, locale } } };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
