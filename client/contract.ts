/**
 * The webhook contract's types, for shop backends: what `POST /webhooks/cart` accepts. They mirror
 * client/openapi.json (generated from cartflow's own validation), and a cartflow test fails if
 * they drift apart. Optional fields take the defaults the server documents.
 */

/**
 * A non-negative decimal amount: "19.90" (kept exactly) or 19.9; up to 12 digits and 4 decimals, and
 * in a cart no more decimals than the currency has (JPY 0, EUR 2, KWD 3; "100.00" JPY is fine,
 * "100.50" is a 400). An order is never refused for it: its revenue is rounded to the minor unit.
 */
export type Money = string | number;

export interface CartItem {
  sku: string;
  name: string;
  /** Whole number from 1 to 100000. */
  quantity: number;
  unitPrice: Money;
  imageUrl?: string;
  url?: string;
  /** The shop's category slugs, for campaign audiences. */
  categories?: string[];
}

export interface Customer {
  id?: string;
  /** Any RFC 5321 address, IDN domains and non-ASCII local parts included. */
  email: string;
  name?: string;
  /** Language tag such as en or ru-RU; default en. */
  locale?: string;
  /** IANA time zone such as Europe/Berlin; default UTC. */
  timeZone?: string;
  b2b?: boolean;
  /** Explicit opt-in to marketing email; without it no marketing email is sent. Default false. */
  marketingConsent?: boolean;
  salesManagerEmail?: string;
  /** ISO 3166-1 alpha-2 such as DE. */
  country?: string;
  /** Orders placed before this cart; 0 marks a new customer. */
  orderCount?: number;
}

/** The whole cart as it is now (a snapshot, not a diff). */
export interface Cart {
  id: string;
  /** ISO 4217 such as EUR. */
  currency: string;
  items: CartItem[];
  total: Money;
  /** Where the emails send the customer to restore the cart. */
  recoveryUrl: string;
  customer: Customer;
  /** ISO 8601 with offset; an older snapshot never replaces a newer one. */
  updatedAt: string;
}

export interface Order {
  cartId: string;
  orderId: string;
  /** The order as the shop and its customer name it ("#1001"), shown in emails; `orderId` stays the key. */
  orderName?: string;
  total: Money;
  currency: string;
  placedAt?: string;
  /** Codes redeemed with the order: never offered again. */
  discountCodes?: string[];
  customer?: Customer;
  items?: CartItem[];
  orderUrl?: string;
  reorderUrl?: string;
}

export interface NewCustomer {
  customer: Customer & { id: string };
  /** Where welcome emails send the customer. */
  welcomeUrl: string;
  /** Default EUR. */
  currency?: string;
  createdAt?: string;
}

/** A customer's new email marketing consent, given or withdrawn outside any cart. */
export interface ConsentUpdate {
  customer: { email: string; id?: string };
  /** true: opted in; false: withdrew consent (their running chains stop). */
  marketingConsent: boolean;
  /** When the customer made the change (ISO 8601); an older change never undoes a newer one. */
  updatedAt?: string;
}

interface Envelope {
  /** The event id: the same event sent again is a no-op (`duplicate`). */
  id: string;
  occurredAt?: string;
}

export type CartUpdatedEvent = Envelope & { type: 'cart.updated'; data: Cart };
export type OrderPlacedEvent = Envelope & { type: 'order.placed'; data: Order };
export type CustomerCreatedEvent = Envelope & { type: 'customer.created'; data: NewCustomer };
export type CustomerConsentUpdatedEvent = Envelope & { type: 'customer.consent_updated'; data: ConsentUpdate };
export type CartEvent = CartUpdatedEvent | OrderPlacedEvent | CustomerCreatedEvent | CustomerConsentUpdatedEvent;

/** What cartflow answers an accepted event (202), a repeat of one (200), or a consent change (200). */
export interface Accepted {
  status: 'accepted' | 'duplicate' | 'ignored' | 'consent_given' | 'consent_withdrawn' | 'unknown_customer';
  eventId: string;
  /** The cart's workflow (absent for customer.created and customer.consent_updated). */
  workflowId?: string;
  /** Why an event was ignored: cart_purchased (the cart was bought first) or superseded (a newer consent is stored). */
  reason?: string;
  /** Journeys the event started. */
  journeys?: string[];
}

/** What cartflow answers a refused event (4xx/5xx). */
export interface ErrorBody {
  error: string;
  message: string;
  /** invalid_payload: one entry per bad field. */
  issues?: Array<{ path: string; message: string }>;
}
