import { z } from 'zod';
import { EmailAddress } from './email-address';
import { hasMoreDecimalsThanCurrency, minorUnitDigits } from './money';
import {
  STORABLE_DATE_TIME_WORDS,
  boolean,
  dateTime,
  httpUrl,
  isStorableInstant,
  list,
  object,
  pattern,
  rule,
  text,
  wholeNumber,
} from './payload-fields';

/**
 * The webhook contract: what a shop backend posts to `POST /webhooks/cart`.
 * Documented for shop developers in docs/webhooks.md; keep the two in step.
 */

/**
 * The documented limits (docs/webhooks.md, table "Limits"); a request over one is a 400
 * naming the field and the limit.
 */
const WEBHOOK_LIMITS = {
  itemsPerCart: 500,
  categoriesPerItem: 50,
  categoryLength: 100,
  discountCodesPerOrder: 20,
  discountCodeLength: 64,
  idLength: 128,
  itemNameLength: 500,
  customerNameLength: 200,
  quantity: 100_000,
  emailLength: 320,
  urlLength: 2048,
} as const;

const MONEY_WORDS = 'must be a non-negative decimal amount such as 19.90 (up to 12 digits, 4 decimals)';

/** Money as a decimal string ("19.90") or a JSON number; kept as a string so no cent is lost. */
export const Money = z
  .union([z.string(), z.number()], rule(MONEY_WORDS))
  .transform((value) => (typeof value === 'number' ? String(value) : value.trim()))
  .pipe(z.string().regex(/^\d{1,12}(\.\d{1,4})?$/, rule(MONEY_WORDS)));

const HttpUrl = httpUrl({ max: WEBHOOK_LIMITS.urlLength });
const CURRENCY_WORDS = 'must be an ISO 4217 code such as EUR';
/** The currencies Intl knows (its ISO 4217 list): "XYZ" has the shape of a code but would be shown as "XYZ 3.50". */
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const Currency = pattern(/^[A-Z]{3}$/, CURRENCY_WORDS).refine(
  (code) => KNOWN_CURRENCIES.has(code),
  rule(CURRENCY_WORDS),
);

/** IANA time-zone name as understood by Intl ("Europe/Berlin"). */
const TIME_ZONE_WORDS = 'must be an IANA time zone such as Europe/Berlin';
const TimeZone = z.string(rule(TIME_ZONE_WORDS)).refine(isKnownTimeZone, rule(TIME_ZONE_WORDS));

/**
 * Building an Intl.DateTimeFormat costs more than the rest of a webhook's validation (it showed
 * in the intake profile), and every event names a zone from a small set: remember the valid ones.
 * Bounded, because Intl also accepts any capitalisation of a name.
 */
const knownTimeZones = new Set<string>();
const KNOWN_TIME_ZONES_MAX = 2_000;

function isKnownTimeZone(value: string): boolean {
  if (knownTimeZones.has(value)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
  } catch {
    return false;
  }
  if (knownTimeZones.size < KNOWN_TIME_ZONES_MAX) knownTimeZones.add(value);
  return true;
}

/**
 * A cart's or an order's amounts must be exact in its currency: "100.50" JPY would otherwise be
 * rounded on the way to minor units, and revenue would differ from what the shop sent. Trailing
 * zeros are exact ("100.00" JPY). Checked on the object, which knows both the currency and the amounts.
 */
function refuseInexactAmounts(value: unknown, ctx: z.RefinementCtx, at: PropertyKey[]): void {
  const currency = knownCurrencyOf(value);
  if (!currency || typeof value !== 'object' || value === null) return;
  const check = (raw: unknown, path: PropertyKey[]) => {
    // Where a line failed another rule its amount is still raw input (19.9, " 19.90"): parsed again
    // here. An amount that breaks Money's own rule is reported by it, not twice.
    const parsed = Money.safeParse(raw);
    if (!parsed.success) return;
    const amount = parsed.data;
    if (!hasMoreDecimalsThanCurrency({ amount, currency })) return;
    ctx.addIssue({
      code: 'custom',
      path: [...at, ...path],
      message: inexactAmountWords({ amount, currency }),
      input: amount,
    });
  };
  if ('total' in value) check(value.total, ['total']);
  if (!('items' in value) || !Array.isArray(value.items)) return;
  value.items.forEach((item: unknown, index) => {
    if (typeof item === 'object' && item !== null && 'unitPrice' in item) {
      check(item.unitPrice, ['items', index, 'unitPrice']);
    }
  });
}

/** The object's currency when it is one Intl knows; an unknown one is reported on its own field. */
function knownCurrencyOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !('currency' in value)) return undefined;
  const { currency } = value;
  return typeof currency === 'string' && KNOWN_CURRENCIES.has(currency) ? currency : undefined;
}

function inexactAmountWords({ amount, currency }: { amount: string; currency: string }): string {
  const digits = minorUnitDigits(currency);
  const fix = digits === 0 ? `in whole ${currency}` : `to at most ${digits} decimals`;
  return `"${amount}" has more decimals than ${currency} allows (${digits}); send the amount as charged, ${fix}`;
}

const Id = text({ max: WEBHOOK_LIMITS.idLength, trim: true });

export const CartItem = object(
  {
    sku: Id,
    name: text({ max: WEBHOOK_LIMITS.itemNameLength }),
    quantity: wholeNumber({ min: 1, max: WEBHOOK_LIMITS.quantity }),
    unitPrice: Money,
    imageUrl: HttpUrl.optional(),
    url: HttpUrl.optional(),
    /** The shop's category slugs, for campaign audiences (`itemCategory`). */
    categories: list(text({ max: WEBHOOK_LIMITS.categoryLength, trim: true }), {
      max: WEBHOOK_LIMITS.categoriesPerItem,
      noun: 'categories',
    }).optional(),
  },
  'a cart line with sku, name, quantity and unitPrice',
);
export type CartItem = z.infer<typeof CartItem>;

const customerShape = {
  id: Id.optional(),
  /**
   * Any RFC 5321 address, IDN domains and non-ASCII local parts included (domain/email-address.ts);
   * kept in its canonical form, which suppressions, unsubscribes and privacy requests match.
   */
  email: EmailAddress,
  name: text({ min: 0, max: WEBHOOK_LIMITS.customerNameLength }).optional(),
  locale: pattern(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or ru-RU').default('en'),
  timeZone: TimeZone.default('UTC'),
  b2b: boolean().default(false),
  /** Explicit opt-in to marketing email. Without it cartflow sends no marketing email. */
  marketingConsent: boolean().default(false),
  /** B2B: the account's sales manager, told at once when the buyer leaves a cart. */
  salesManagerEmail: EmailAddress.optional(),
  /** ISO 3166-1 alpha-2, for campaign audiences (`country`). */
  country: pattern(/^[A-Z]{2}$/, 'must be an ISO 3166 country code such as DE').optional(),
  /** Orders placed before this cart; 0 marks a new customer (`customer: new` in audiences). */
  orderCount: wholeNumber({ min: 0 }).optional(),
};
export const Customer = object(customerShape, 'with at least email');
export type Customer = z.infer<typeof Customer>;

const CartItems = list(CartItem, { max: WEBHOOK_LIMITS.itemsPerCart, noun: 'items' });

export const Cart = object(
  {
    id: Id,
    currency: Currency,
    items: CartItems,
    total: Money,
    recoveryUrl: HttpUrl,
    customer: Customer,
    /** When the shop last changed the cart; an older snapshot never replaces a newer one. */
    updatedAt: dateTime(),
  },
  'the cart: id, currency, items, total, recoveryUrl, customer, updatedAt',
);
export type Cart = z.infer<typeof Cart>;

/**
 * What a chain is about, as its steps see it: a cart, or an order or new customer described as one
 * (domain/journeys.ts). `orderName`: an order's name as its customer knows it (Shopify's "#1001").
 */
export type ChainSubject = Cart & { orderName?: string };

export const Order = object(
  {
    cartId: Id,
    orderId: Id,
    /**
     * The order as the shop and its customer name it ("#1001", "SO-2026-0042"), shown in emails and
     * exports; `orderId` stays the key. Absent: emails show `orderId`.
     */
    orderName: text({ max: WEBHOOK_LIMITS.idLength, trim: true }).optional(),
    total: Money,
    currency: Currency,
    placedAt: dateTime().optional(),
    /** Codes redeemed with the order: never offered again. */
    discountCodes: list(text({ max: WEBHOOK_LIMITS.discountCodeLength, trim: true }), {
      max: WEBHOOK_LIMITS.discountCodesPerOrder,
      noun: 'codes',
    }).optional(),
    /** With customer and items, the order also starts the post-purchase and re-order campaigns. */
    customer: Customer.optional(),
    items: CartItems.optional(),
    /** The order's page (post-purchase emails link to it). */
    orderUrl: HttpUrl.optional(),
    /** One-click re-order of the same lines (B2B re-order reminders link to it). */
    reorderUrl: HttpUrl.optional(),
  },
  'the order: cartId, orderId, total, currency',
);
export type Order = z.infer<typeof Order>;

/** A newly registered customer: starts the welcome series. */
export const NewCustomer = object(
  {
    customer: object({ ...customerShape, id: Id }, 'with at least id and email'),
    /** Where welcome emails send the customer (home page, account). */
    welcomeUrl: HttpUrl,
    /** The shop's currency, for formatting any amount in the emails. */
    currency: Currency.default('EUR'),
    createdAt: dateTime().optional(),
  },
  'the new customer: customer and welcomeUrl',
);
export type NewCustomer = z.infer<typeof NewCustomer>;

const envelope = { id: Id, occurredAt: dateTime().optional() };
const EVENT_TYPES = 'must be one of: cart.updated, order.placed, customer.created, customer.consent_updated';

export const CartUpdatedEvent = z.object({ ...envelope, type: z.literal('cart.updated'), data: Cart });
export type CartUpdatedEvent = z.infer<typeof CartUpdatedEvent>;

export const OrderPlacedEvent = z.object({ ...envelope, type: z.literal('order.placed'), data: Order });
export type OrderPlacedEvent = z.infer<typeof OrderPlacedEvent>;

export const CustomerCreatedEvent = z.object({ ...envelope, type: z.literal('customer.created'), data: NewCustomer });
export type CustomerCreatedEvent = z.infer<typeof CustomerCreatedEvent>;

/**
 * A customer's email marketing consent changed outside any cart (account settings, a newsletter
 * form, the shop's admin). Applied at once, not through the outbox: it only updates the customer
 * and tells running chains (server/consent-webhook.ts).
 */
export const ConsentUpdate = object(
  {
    customer: object({ email: EmailAddress, id: Id.optional() }, 'with at least email'),
    /** true: the customer opted in; false: the customer withdrew consent. */
    marketingConsent: boolean(),
    /** When the customer made the change; an older change arriving late never undoes a newer one. */
    updatedAt: dateTime().optional(),
  },
  'the change: customer.email and marketingConsent',
);
export const CustomerConsentUpdatedEvent = z
  .object({ ...envelope, type: z.literal('customer.consent_updated'), data: ConsentUpdate })
  .superRefine(refuseUnstorableDateTimes, { when: () => true });
export type CustomerConsentUpdatedEvent = z.infer<typeof CustomerConsentUpdatedEvent>;

/** Whether a parsed webhook body claims to be a consent change (then only that schema applies). */
export const isConsentUpdate = (value: unknown): boolean => claimsType(value, 'customer.consent_updated');

// zod reports a missing or unknown `type` at `type`, and anything but an object at the root.
const eventUnionError = {
  error: (issue: { code?: string }) =>
    issue.code === 'invalid_union' ? EVENT_TYPES : 'must be a JSON object with id, type and data',
};

export const CartEvent = z.discriminatedUnion(
  'type',
  [CartUpdatedEvent, OrderPlacedEvent, CustomerCreatedEvent],
  eventUnionError,
);
export type CartEvent = z.infer<typeof CartEvent>;

/**
 * Every body POST /webhooks/cart takes, as its contract documents it (server/webhook-openapi.ts):
 * the cart events the outbox carries to workflows, and the consent change applied at once.
 */
export const WebhookEvent = z.discriminatedUnion(
  'type',
  [CartUpdatedEvent, OrderPlacedEvent, CustomerCreatedEvent, CustomerConsentUpdatedEvent],
  eventUnionError,
);

const dataOf = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && 'data' in value ? value.data : undefined;

/**
 * What POST /webhooks/cart accepts: a CartEvent whose cart's amounts are exact in its currency.
 * Not an order's: refusing an order over a fraction of a cent would leave the cart's chain running
 * and email someone who just bought; its revenue is rounded to the currency's minor unit instead
 * (domain/money.ts toMinorUnits). Only at the door: an event stored before this rule is read back
 * with CartEvent (the outbox relay), and Shopify's amounts are exact by construction. Checked also
 * when other fields failed (their values are then raw input), so one 400 names every bad field.
 */
export const WebhookCartEvent = CartEvent.superRefine(
  (value, ctx) => {
    if (isCartUpdate(value)) refuseInexactAmounts(dataOf(value), ctx, ['data']);
  },
  {
    when: ({ value }) => isCartUpdate(value) && knownCurrencyOf(dataOf(value)) !== undefined,
  },
).superRefine(refuseUnstorableDateTimes, { when: () => true });

/** Each event type's own date-time in `data` (a key another type has is not this event's: zod drops it). */
const DATA_DATE_TIME: Record<string, string> = {
  'cart.updated': 'updatedAt',
  'order.placed': 'placedAt',
  'customer.created': 'createdAt',
  'customer.consent_updated': 'updatedAt',
};

// Built once: a zod schema built per webhook cost more CPU than checking with it (BENCHMARKS.md,
// "Where the app's CPU per webhook went").
const ANY_DATE_TIME = dateTime();

/**
 * A date-time PostgreSQL cannot hold (payload-fields.ts isStorableInstant) is refused at the door,
 * naming the field. Only at the door, as the amounts rule: the relay reads stored events with
 * CartEvent. A value that is not a date-time at all is reported by its own field's rule.
 */
function refuseUnstorableDateTimes(value: unknown, ctx: z.RefinementCtx): void {
  if (typeof value !== 'object' || value === null) return;
  const check = (raw: unknown, path: PropertyKey[]) => {
    if (typeof raw !== 'string' || !ANY_DATE_TIME.safeParse(raw).success || isStorableInstant(raw)) return;
    ctx.addIssue({ code: 'custom', path, message: STORABLE_DATE_TIME_WORDS, input: raw });
  };
  if ('occurredAt' in value) check(value.occurredAt, ['occurredAt']);
  const field = 'type' in value && typeof value.type === 'string' ? DATA_DATE_TIME[value.type] : undefined;
  const data = dataOf(value);
  if (field && typeof data === 'object' && data !== null && field in data) {
    check(Reflect.get(data, field), ['data', field]);
  }
}

const isCartUpdate = (value: unknown): boolean => claimsType(value, 'cart.updated');

/** A body's `type`, read before any schema: which rules apply to it. */
function claimsType(value: unknown, type: string): boolean {
  return typeof value === 'object' && value !== null && 'type' in value && value.type === type;
}

/** The key an event is stored and ordered under: the cart, or for a new customer the customer id. */
export function cartIdOf(event: CartEvent): string {
  if (event.type === 'cart.updated') return event.data.id;
  if (event.type === 'customer.created') return `customer:${event.data.customer.id}`;
  return event.data.cartId;
}
