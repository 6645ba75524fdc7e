import { z } from 'zod';
import { Money } from './events';
import { httpUrl, list, object, pattern, rule, storableDateTime, text, wholeNumber } from './payload-fields';

/**
 * The parts of Shopify's REST webhook payloads cartflow reads, under Shopify's own field names
 * (shopify.dev, "Webhooks" → topic reference), so a 400 names the field the shop sent. Every other
 * field is ignored here and kept in the stored raw payload.
 */

/**
 * Shopify's ids are 64-bit: JSON.parse rounds those above 2^53 (the documentation's samples
 * among them), so where the payload also has `admin_graphql_api_id` its digits are the id.
 */
const ShopifyId = z
  .union([z.number().nonnegative(), z.string().regex(/^\d{1,20}$/)], rule('must be a Shopify id (a number)'))
  .transform((value) => (typeof value === 'number' ? BigInt(Math.trunc(value)).toString() : value));
const GraphqlId = z.string(rule('must be a Shopify GraphQL id such as gid://shopify/Customer/1')).nullish();

/** The exact id: the digits of `gid://shopify/<Type>/<id>`, else the (possibly rounded) numeric id. */
export function exactId(record: { id?: string | null; admin_graphql_api_id?: string | null }): string | undefined {
  const fromGid = record.admin_graphql_api_id?.match(/\/(\d{1,20})$/)?.[1];
  return fromGid ?? record.id ?? undefined;
}
const Currency = pattern(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');
const optionalText = z.string(rule('must be text')).nullish();
const optionalDateTime = storableDateTime().nullish();

/**
 * A `*_set` money bag: the amount in the shop's currency and in the buyer's (presentment) one. An
 * order's plain amounts (`total_price`, a line's `price`) are in the shop's currency.
 */
const MoneyBag = object(
  {
    shop_money: object({ amount: Money, currency_code: Currency }, 'amount and currency_code').nullish(),
    presentment_money: object({ amount: Money, currency_code: Currency }, 'amount and currency_code').nullish(),
  },
  'shop_money and presentment_money',
).nullish();
export type ShopifyMoneyBag = z.infer<typeof MoneyBag>;

/**
 * `email_marketing_consent`: `state` is subscribed, not_subscribed, unsubscribed, pending, redacted
 * or invalid; `consent_updated_at` is when it last changed (null when never), by Shopify's clock.
 */
const EmailMarketingConsent = object(
  { state: optionalText, consent_updated_at: optionalDateTime },
  'with state and consent_updated_at',
).nullish();
export type ShopifyEmailMarketingConsent = z.infer<typeof EmailMarketingConsent>;

export const ShopifyCustomer = object(
  {
    id: ShopifyId.nullish(),
    admin_graphql_api_id: GraphqlId,
    email: optionalText,
    first_name: optionalText,
    last_name: optionalText,
    email_marketing_consent: EmailMarketingConsent,
    /** The currency of the customer's last order (customers/create). */
    currency: Currency.nullish(),
    created_at: optionalDateTime,
  },
  'the customer',
);
export type ShopifyCustomer = z.infer<typeof ShopifyCustomer>;

export const ShopifyLineItem = object(
  {
    title: text({ max: 500 }),
    variant_title: optionalText,
    quantity: wholeNumber({ min: 1, max: 100_000 }),
    price: Money,
    /** Orders only: `price` in the shop's and the buyer's currency. */
    price_set: MoneyBag,
    sku: optionalText,
    variant_id: ShopifyId.nullish(),
    product_id: ShopifyId.nullish(),
    /** Not in every API version's payload; used when it is an http(s) URL. */
    image_url: optionalText,
  },
  'a line item with title, quantity and price',
);
export type ShopifyLineItem = z.infer<typeof ShopifyLineItem>;

const LineItems = list(ShopifyLineItem, { max: 500, noun: 'line items' });

/** checkouts/create and checkouts/update. */
export const ShopifyCheckout = object(
  {
    token: text({ max: 128, trim: true }),
    cart_token: optionalText,
    email: optionalText,
    line_items: LineItems,
    currency: Currency.nullish(),
    presentment_currency: Currency.nullish(),
    total_price: Money,
    abandoned_checkout_url: httpUrl(),
    updated_at: storableDateTime(),
    customer_locale: optionalText,
    buyer_accepts_marketing: z.boolean(rule('must be true or false')).nullish(),
    customer: ShopifyCustomer.nullish(),
  },
  'a checkout',
);
export type ShopifyCheckout = z.infer<typeof ShopifyCheckout>;

/** orders/create and orders/paid. */
export const ShopifyOrder = object(
  {
    id: ShopifyId,
    admin_graphql_api_id: GraphqlId,
    /** "#1001": the order as the shop's admin and the customer's emails name it. */
    name: optionalText,
    /** 1001: `name` without the shop's prefix and suffix. */
    order_number: z
      .number(rule('must be a whole number'))
      .int(rule('must be a whole number'))
      .nonnegative(rule('must be a whole number'))
      .nullish(),
    checkout_token: optionalText,
    email: optionalText,
    total_price: Money,
    currency: Currency,
    /** The currency the buyer paid in; `total_price_set` and the lines' `price_set` hold its amounts. */
    presentment_currency: Currency.nullish(),
    total_price_set: MoneyBag,
    discount_codes: list(object({ code: text({ max: 64, trim: true }) }, 'with code'), {
      max: 20,
      noun: 'codes',
    }).nullish(),
    processed_at: optionalDateTime,
    created_at: optionalDateTime,
    customer_locale: optionalText,
    buyer_accepts_marketing: z.boolean(rule('must be true or false')).nullish(),
    order_status_url: optionalText,
    line_items: LineItems.nullish(),
    customer: ShopifyCustomer.nullish(),
  },
  'an order',
);
export type ShopifyOrder = z.infer<typeof ShopifyOrder>;

/**
 * customers_email_marketing_consent/update. Since API version 2025-01 it is the only webhook that
 * carries email marketing consent: customers/update and the customer in checkouts and orders no
 * longer have `email_marketing_consent`.
 */
export const ShopifyEmailConsentUpdate = object(
  {
    customer_id: ShopifyId.nullish(),
    email_address: optionalText,
    email_marketing_consent: EmailMarketingConsent,
  },
  'an email marketing consent update: customer_id, email_address and email_marketing_consent',
);
export type ShopifyEmailConsentUpdate = z.infer<typeof ShopifyEmailConsentUpdate>;

/** customers/redact and customers/data_request (the mandatory privacy topics). */
export const ShopifyPrivacyRequest = object(
  {
    shop_domain: optionalText,
    customer: object({ id: ShopifyId.nullish(), email: optionalText }, 'with id and email'),
  },
  'a privacy request',
);
export type ShopifyPrivacyRequest = z.infer<typeof ShopifyPrivacyRequest>;

/** shop/redact: sent 48 hours after a shop uninstalls the app; everything about the shop must go. */
export const ShopifyShopRedact = object(
  {
    shop_id: ShopifyId.nullish(),
    shop_domain: text({ max: 255, trim: true }).transform((domain) => domain.toLowerCase()),
  },
  'the shop: shop_id and shop_domain',
);
export type ShopifyShopRedact = z.infer<typeof ShopifyShopRedact>;
