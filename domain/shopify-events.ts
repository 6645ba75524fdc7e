import {
  type ShopifyCheckout,
  type ShopifyCustomer,
  type ShopifyLineItem,
  type ShopifyMoneyBag,
  type ShopifyOrder,
  exactId,
} from './shopify-payloads';
import { truncateText } from './truncate-text';

/**
 * Shopify's webhook payloads as cartflow's own events (domain/events.ts), before the events' own
 * validation. Pure: the route parses, maps, validates, then takes the path every cart event takes.
 *
 * The cart id is the checkout's `token`: it is what an order's `checkout_token` carries, so the
 * order finds its checkout. (`cart_token` names the storefront cart, is absent for "Buy it now"
 * checkouts and is not on every order.)
 */

export interface ShopifyContext {
  /** X-Shopify-Webhook-Id: the stored event id, so a redelivery is a duplicate. */
  webhookId: string;
  /** The currencies the shop sells in (SHOPIFY_CURRENCIES); unset accepts any. */
  currencies?: readonly string[];
}

export type Mapped =
  | { kind: 'event'; event: unknown }
  /** A person with no email address cannot be emailed: acknowledged, nothing stored. */
  | { kind: 'skipped'; reason: 'no_email' }
  | { kind: 'invalid'; issues: Array<{ path: string; message: string }> };

/** A locale cartflow's templates can use ("en", "pt-BR"); anything else falls back to the default. */
const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export function checkoutToEvent(checkout: ShopifyCheckout, context: ShopifyContext): Mapped {
  const email = checkout.email || checkout.customer?.email;
  if (!email) return { kind: 'skipped', reason: 'no_email' };
  // Prices and the total of a checkout are in the currency the buyer sees.
  const currency = checkout.presentment_currency ?? checkout.currency;
  if (!currency) return invalid('presentment_currency', 'is required (or currency); must be an ISO 4217 code');
  const unknownCurrency = checkCurrency(
    currency,
    checkout.presentment_currency ? 'presentment_currency' : 'currency',
    context,
  );
  if (unknownCurrency) return unknownCurrency;
  return {
    kind: 'event',
    event: {
      id: context.webhookId,
      type: 'cart.updated',
      data: {
        id: checkout.token,
        currency,
        items: checkout.line_items.map(lineItem),
        total: checkout.total_price,
        recoveryUrl: checkout.abandoned_checkout_url,
        updatedAt: checkout.updated_at,
        customer: customerOf({
          email,
          customer: checkout.customer,
          locale: checkout.customer_locale,
          acceptsMarketing: checkout.buyer_accepts_marketing,
        }),
      },
    },
  };
}

export function orderToEvent(order: ShopifyOrder, context: ShopifyContext): Mapped {
  const money = orderMoney(order);
  const unknownCurrency = checkCurrency(money.currency, money.field, context);
  if (unknownCurrency) return unknownCurrency;
  const email = order.email || order.customer?.email;
  const statusUrl =
    order.order_status_url && /^https?:\/\//.test(order.order_status_url) ? order.order_status_url : undefined;
  return {
    kind: 'event',
    event: {
      id: context.webhookId,
      type: 'order.placed',
      data: {
        // Orders without an online checkout (POS, draft orders) have no token: a cart of their own.
        cartId: order.checkout_token || `shopify-order-${exactId(order)}`,
        orderId: exactId(order),
        ...orderNameOf(order),
        total: money.total,
        currency: money.currency,
        placedAt: order.processed_at ?? order.created_at ?? undefined,
        discountCodes: (order.discount_codes ?? []).map((discount) => discount.code),
        ...(email
          ? {
              customer: customerOf({
                email,
                customer: order.customer,
                locale: order.customer_locale,
                acceptsMarketing: order.buyer_accepts_marketing,
              }),
            }
          : {}),
        ...(money.items.length > 0 ? { items: money.items } : {}),
        ...(statusUrl ? { orderUrl: statusUrl } : {}),
      },
    },
  };
}

export function newCustomerToEvent(
  customer: ShopifyCustomer,
  context: ShopifyContext & { welcomeUrl: string },
): Mapped {
  if (!customer.email) return { kind: 'skipped', reason: 'no_email' };
  const id = exactId(customer);
  if (!id) return invalid('id', 'is required; must be a Shopify id (a number)');
  const currency = customer.currency ?? context.currencies?.[0];
  return {
    kind: 'event',
    event: {
      id: context.webhookId,
      type: 'customer.created',
      data: {
        customer: { ...customerOf({ email: customer.email, customer }), id },
        welcomeUrl: context.welcomeUrl,
        ...(currency ? { currency } : {}),
        ...(customer.created_at ? { createdAt: customer.created_at } : {}),
      },
    },
  };
}

/** "#1001" as the shop names the order (`name`, with its prefix and suffix), else `#<order_number>`. */
function orderNameOf(order: ShopifyOrder): { orderName?: string } {
  const name = order.name?.trim() || (order.order_number == null ? '' : `#${order.order_number}`);
  return name ? { orderName: truncateText(name, 128) } : {};
}

/**
 * Whether an `email_marketing_consent.state` (customers/update before API 2025-01,
 * customers_email_marketing_consent/update since) withdraws email marketing consent.
 */
export function withdrawsConsent(state: string | null | undefined): boolean {
  return state === 'unsubscribed' || state === 'not_subscribed';
}

function customerOf(input: {
  email: string;
  customer: ShopifyCustomer | null | undefined;
  locale?: string | null;
  acceptsMarketing?: boolean | null;
}) {
  const { customer } = input;
  const id = customer ? exactId(customer) : undefined;
  const name = truncateText([customer?.first_name, customer?.last_name].filter(Boolean).join(' '), 200);
  const locale = input.locale?.replace('_', '-');
  return {
    ...(id ? { id } : {}),
    email: input.email,
    ...(name ? { name } : {}),
    ...(locale && LOCALE.test(locale) ? { locale } : {}),
    // The customer's recorded consent, or the box ticked on this checkout or order.
    marketingConsent: customer?.email_marketing_consent?.state === 'subscribed' || input.acceptsMarketing === true,
  };
}

/**
 * An order in the currency the buyer paid in, as their cart was: its plain amounts are in the
 * shop's currency, so a multi-currency shop's order read from them shows a Canadian buyer's CAD
 * order in USD in their post-purchase email and counts its revenue against the wrong currency.
 * Only when the total and every line have the presentment amount; else all in the shop's currency.
 */
function orderMoney(order: ShopifyOrder) {
  const lines = order.line_items ?? [];
  const buyer = order.presentment_currency;
  if (buyer && buyer !== order.currency) {
    const total = presentmentAmount(order.total_price_set, buyer);
    const prices = lines.map((line) => presentmentAmount(line.price_set, buyer));
    if (total !== undefined && prices.every((price) => price !== undefined)) {
      const items = lines.map((line, index) => ({ ...lineItem(line), unitPrice: prices[index] }));
      return { currency: buyer, field: 'presentment_currency', total, items };
    }
  }
  return { currency: order.currency, field: 'currency', total: order.total_price, items: lines.map(lineItem) };
}

function presentmentAmount(bag: ShopifyMoneyBag, currency: string): string | undefined {
  const money = bag?.presentment_money;
  return money?.currency_code === currency ? money.amount : undefined;
}

function lineItem(item: ShopifyLineItem) {
  const name = item.variant_title ? `${item.title} – ${item.variant_title}` : item.title;
  const sku =
    item.sku?.trim() || (item.variant_id ? `variant-${item.variant_id}` : `product-${item.product_id ?? item.title}`);
  return {
    sku: truncateText(sku, 128),
    name: truncateText(name, 500),
    quantity: item.quantity,
    unitPrice: item.price,
    ...(item.image_url && /^https?:\/\//.test(item.image_url) ? { imageUrl: item.image_url } : {}),
  };
}

function checkCurrency(currency: string, field: string, context: ShopifyContext): Mapped | undefined {
  if (!context.currencies || context.currencies.includes(currency)) return undefined;
  return invalid(
    field,
    `${currency} is not a currency of this shop (SHOPIFY_CURRENCIES: ${context.currencies.join(', ')})`,
  );
}

function invalid(path: string, message: string): Mapped {
  return { kind: 'invalid', issues: [{ path, message }] };
}
