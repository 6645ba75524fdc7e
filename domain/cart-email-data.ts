import { isolateForLine } from './bidi-isolate';
import { displayEmail } from './display-email';
import type { Cart, ChainSubject } from './events';
import { numberFormattingLocale } from './formatting-locale';
import { formatMoney, lineTotal } from './money';
import { textDirectionOf } from './text-direction';

/**
 * A discount offered in the email; hidden by the `{{#discount}}` helper once it has expired. At
 * most one kind: a percentage (shown with `{{percent percentOff}}`), an amount (formatted in the
 * cart's currency), or free shipping.
 */
export interface EmailDiscount {
  code: string;
  /** ISO 8601 date-time. */
  expiresAt: string;
  percentOff?: number | string;
  amountOff?: string;
  freeShipping?: boolean;
}

/** What the cart templates can use; documented in templates/README.md. */
export interface CartEmailData {
  cartId: string;
  /**
   * How the customer knows what the email is about: an order's name ("#1001") where the shop sent
   * one, else the same id as `cartId` (a journey started before order names, a cart, a customer).
   */
  orderName: string;
  /**
   * `email` is the canonical address (A-label domain) for links and headers; `displayEmail` is the
   * same address as a person reads it (`покупатель@магазин.рф`), for text.
   */
  customer: { name: string; hasName: boolean; email: string; displayEmail: string; b2b: boolean };
  /**
   * The customer's language tag, as the shop sent it. Money and dates are formatted in the
   * template's language with the customer's region (domain/formatting-locale.ts).
   */
  locale: string;
  timeZone: string;
  currency: string;
  items: Array<{
    name: string;
    sku: string;
    quantity: number;
    unitPrice: string;
    lineTotal: string;
    imageUrl: string;
    hasImage: boolean;
    url: string;
  }>;
  itemCount: number;
  total: string;
  recoveryUrl: string;
  /** ISO 8601: when the shop last changed the cart. */
  updatedAt: string;
  discount: EmailDiscount | null;
}

export interface CartEmailExtras {
  discount?: EmailDiscount | null;
  /**
   * The language of the template the data is rendered with (`TemplateRenderer.languageFor`), so
   * prices are in the language of the words around them. Absent: the customer's own.
   */
  templateLanguage?: string;
}

/** The locale a cart email's prices are formatted in: also for a discount's amount, formatted beside the data. */
export function cartMoneyLocale(cart: Cart, templateLanguage: string | undefined): string {
  const customerLocale = cart.customer.locale;
  return numberFormattingLocale({ customerLocale, templateLanguage: templateLanguage ?? customerLocale });
}

export function buildCartEmailData(cart: ChainSubject, extras: CartEmailExtras = {}): CartEmailData {
  const { currency } = cart;
  const moneyLocale = cartMoneyLocale(cart, extras.templateLanguage);
  const money = (amount: string) => formatMoney({ amount, currency, locale: moneyLocale });
  const lineDirection = textDirectionOf(extras.templateLanguage ?? cart.customer.locale);
  const isolate = (text: string) => isolateForLine({ text, lineDirection });
  return {
    cartId: cart.id,
    orderName: isolate(cart.orderName ?? cart.id),
    customer: {
      // Isolated when of the other direction than the template: "محمد Smith, your cart is waiting"
      // would otherwise show as "Smith, your cart is waiting محمد" wherever the line takes its
      // direction from its first letter (domain/bidi-isolate.ts).
      name: isolate(cart.customer.name ?? ''),
      hasName: Boolean(cart.customer.name),
      email: cart.customer.email,
      displayEmail: displayEmail(cart.customer.email),
      b2b: cart.customer.b2b,
    },
    locale: cart.customer.locale,
    timeZone: cart.customer.timeZone,
    currency,
    items: cart.items.map((item) => ({
      name: isolate(item.name),
      sku: item.sku,
      quantity: item.quantity,
      unitPrice: money(item.unitPrice),
      lineTotal: money(lineTotal({ unitPrice: item.unitPrice, quantity: item.quantity })),
      imageUrl: item.imageUrl ?? '',
      hasImage: item.imageUrl !== undefined,
      url: item.url ?? cart.recoveryUrl,
    })),
    itemCount: cart.items.reduce((sum, item) => sum + item.quantity, 0),
    total: money(cart.total),
    recoveryUrl: cart.recoveryUrl,
    updatedAt: cart.updatedAt,
    discount: extras.discount ?? null,
  };
}
