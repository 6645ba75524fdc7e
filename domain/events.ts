import { z } from 'zod';
import { EmailAddress } from './email-address';

/**
 * The webhook contract: what a shop backend posts to `POST /webhooks/cart`.
 * Documented for shop developers in README.md ("Webhook contract"); keep the two in step.
 */

/** Money as a decimal string ("19.90") or a JSON number; kept as a string so no cent is lost. */
export const Money = z
  .union([z.string(), z.number()])
  .transform((value) => (typeof value === 'number' ? String(value) : value.trim()))
  .pipe(z.string().regex(/^\d{1,12}(\.\d{1,4})?$/, 'must be a non-negative decimal amount such as 19.90'));

const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048);

/** IANA time-zone name as understood by Intl ("Europe/Berlin"). */
const TimeZone = z.string().refine(isKnownTimeZone, 'must be an IANA time zone such as Europe/Berlin');

function isKnownTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const Id = z.string().trim().min(1).max(128);

export const CartItem = z.object({
  sku: Id,
  name: z.string().min(1).max(500),
  quantity: z.number().int().positive().max(100_000),
  unitPrice: Money,
  imageUrl: HttpUrl.optional(),
  url: HttpUrl.optional(),
  /** The shop's category slugs, for campaign audiences (`itemCategory`). */
  categories: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
});
export type CartItem = z.infer<typeof CartItem>;

export const Customer = z.object({
  id: Id.optional(),
  /**
   * Any RFC 5321 address, IDN domains and non-ASCII local parts included (domain/email-address.ts);
   * kept in its canonical form, which suppressions, unsubscribes and privacy requests match.
   */
  email: EmailAddress,
  name: z.string().max(200).optional(),
  locale: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or ru-RU')
    .default('en'),
  timeZone: TimeZone.default('UTC'),
  b2b: z.boolean().default(false),
  /** Explicit opt-in to marketing email. Without it cartflow sends no marketing email. */
  marketingConsent: z.boolean().default(false),
  /** B2B: the account's sales manager, told at once when the buyer leaves a cart. */
  salesManagerEmail: EmailAddress.optional(),
  /** ISO 3166-1 alpha-2, for campaign audiences (`country`). */
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166 country code such as DE')
    .optional(),
  /** Orders placed before this cart; 0 marks a new customer (`customer: new` in audiences). */
  orderCount: z.number().int().nonnegative().optional(),
});
export type Customer = z.infer<typeof Customer>;

export const Cart = z.object({
  id: Id,
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
  items: z.array(CartItem).max(500),
  total: Money,
  recoveryUrl: HttpUrl,
  customer: Customer,
  /** When the shop last changed the cart; an older snapshot never replaces a newer one. */
  updatedAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }),
});
export type Cart = z.infer<typeof Cart>;

export const Order = z.object({
  cartId: Id,
  orderId: Id,
  total: Money,
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
  placedAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
  /** Codes redeemed with the order: never offered again. */
  discountCodes: z.array(z.string().trim().min(1).max(64)).max(20).optional(),
  /** With customer and items, the order also starts the post-purchase and re-order campaigns. */
  customer: Customer.optional(),
  items: z.array(CartItem).max(500).optional(),
  /** The order's page (post-purchase emails link to it). */
  orderUrl: HttpUrl.optional(),
  /** One-click re-order of the same lines (B2B re-order reminders link to it). */
  reorderUrl: HttpUrl.optional(),
});
export type Order = z.infer<typeof Order>;

/** A newly registered customer: starts the welcome series. */
export const NewCustomer = z.object({
  customer: Customer.extend({ id: Id }),
  /** Where welcome emails send the customer (home page, account). */
  welcomeUrl: HttpUrl,
  /** The shop's currency, for formatting any amount in the emails. */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR')
    .default('EUR'),
  createdAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
});
export type NewCustomer = z.infer<typeof NewCustomer>;

const envelope = { id: Id, occurredAt: z.iso.datetime({ offset: true }).optional() };

export const CartUpdatedEvent = z.object({ ...envelope, type: z.literal('cart.updated'), data: Cart });
export type CartUpdatedEvent = z.infer<typeof CartUpdatedEvent>;

export const OrderPlacedEvent = z.object({ ...envelope, type: z.literal('order.placed'), data: Order });
export type OrderPlacedEvent = z.infer<typeof OrderPlacedEvent>;

export const CustomerCreatedEvent = z.object({ ...envelope, type: z.literal('customer.created'), data: NewCustomer });
export type CustomerCreatedEvent = z.infer<typeof CustomerCreatedEvent>;

export const CartEvent = z.discriminatedUnion('type', [CartUpdatedEvent, OrderPlacedEvent, CustomerCreatedEvent], {
  error: (issue) =>
    issue.code === 'invalid_union' ? 'must be one of: cart.updated, order.placed, customer.created' : undefined,
});
export type CartEvent = z.infer<typeof CartEvent>;

/** The key an event is stored and ordered under: the cart, or for a new customer the customer id. */
export function cartIdOf(event: CartEvent): string {
  if (event.type === 'cart.updated') return event.data.id;
  if (event.type === 'customer.created') return `customer:${event.data.customer.id}`;
  return event.data.cartId;
}
