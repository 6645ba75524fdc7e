import {
  BUSINESS_PRODUCTS,
  CONSUMER_PRODUCTS,
  EN_COMPANIES,
  EN_NAMES,
  MAIL_DOMAINS,
  PLACES,
  type Product,
  RU_COMPANIES,
  RU_NAMES,
} from './catalog';
import type { Random } from './random';

/**
 * The simulated shop's customers and what each does with the cart, drawn from a seeded random
 * source. Pure: the shopper (shopper.ts) acts the plans out over HTTP.
 */

export type Locale = 'en' | 'ru';

/** How a customer's mailbox treats tracking pixels and links (see tracking/machine.ts). */
export type MailClient =
  /** Apple Mail Privacy Protection: the proxy fetches every image at delivery; opens are never the person's. */
  | 'apple_mail'
  /** Gmail's image proxy fetches when the person opens: opens are the person's. */
  | 'gmail'
  /** A desktop or phone client that loads images when the person opens. */
  | 'other'
  /** A company's security gateway that follows every link at delivery (mostly business mailboxes). */
  | 'scanned';

export interface Persona {
  /** Chance to open one email (when the client shows opens at all). */
  openRate: number;
  /** Chance to click, once opened. */
  clickRate: number;
  mailClient: MailClient;
}

export interface SimulatedCustomer {
  id: string;
  email: string;
  name: string;
  locale: Locale;
  timeZone: string;
  country: string;
  b2b: boolean;
  marketingConsent: boolean;
  orderCount: number;
  salesManagerEmail?: string;
  persona: Persona;
}

export interface CartLine {
  sku: string;
  name: string;
  quantity: number;
  unitPrice: string;
  categories: string[];
}

/** What happens to a cart before any email could be sent. */
export type CartFate =
  /** Bought within the quiet period: no email must go out. */
  | 'bought_at_once'
  /** Emptied before leaving: nothing to remind of. */
  | 'emptied'
  /** Left: the chain runs; the customer may still buy on their own, later. */
  | 'abandoned';

export interface CartPlan {
  cartId: string;
  customer: SimulatedCustomer;
  lines: CartLine[];
  /** How often the customer changes the cart before going quiet (each update restarts the wait). */
  updates: number;
  fate: CartFate;
  /** For abandoned carts: the share of the chain's length after which the customer buys anyway, without an email. */
  organicPurchaseAt?: number;
  /** When the cart first appears, as a share of the arrival window. */
  arrivesAt: number;
}

export interface PopulationOptions {
  customers: number;
  /** Makes ids unique per run, so runs against one Temporal server never share a workflow id. */
  runTag: string;
  random: Random;
}

/** Segments roughly as a mid-size European shop has them. */
const SHARES = { b2b: 0.2, ru: 0.35, returning: 0.55, consent: 0.9 } as const;
/** Realistic rates: Baymard's ~70 % abandonment means most carts seen by a webhook are left. */
const FATES = [
  ['bought_at_once', 0.12],
  ['emptied', 0.03],
  ['abandoned', 0.85],
] as const;

export function simulatePopulation({ customers, runTag, random }: PopulationOptions): CartPlan[] {
  return Array.from({ length: customers }, (_, index) => {
    const customer = simulateCustomer({ index, runTag, random });
    const fate = random.weighted(FATES);
    return {
      cartId: `demo-${runTag}-${String(index + 1).padStart(4, '0')}`,
      customer,
      lines: cartLines(customer, random),
      updates: random.weighted([
        [0, 0.65],
        [1, 0.25],
        [2, 0.1],
      ] as const),
      fate,
      ...(fate === 'abandoned' && random.chance(0.06) ? { organicPurchaseAt: 0.1 + random.next() * 0.8 } : {}),
      arrivesAt: random.next(),
    };
  });
}

function simulateCustomer({
  index,
  runTag,
  random,
}: {
  index: number;
  runTag: string;
  random: Random;
}): SimulatedCustomer {
  const locale: Locale = random.chance(SHARES.ru) ? 'ru' : 'en';
  const b2b = random.chance(SHARES.b2b);
  const person = random.pick(locale === 'ru' ? RU_NAMES : EN_NAMES);
  const company = random.pick(locale === 'ru' ? RU_COMPANIES : EN_COMPANIES);
  const place = random.pick(PLACES[locale]);
  const domain = random.pick(MAIL_DOMAINS[locale]);
  const mailClient: MailClient = b2b
    ? random.weighted([
        ['scanned', 0.5],
        ['other', 0.3],
        ['apple_mail', 0.2],
      ] as const)
    : random.weighted([
        ['apple_mail', 0.45],
        ['gmail', 0.35],
        ['other', 0.15],
        ['scanned', 0.05],
      ] as const);
  const engaged = random.chance(0.3);
  return {
    id: `cust-${runTag}-${index + 1}`,
    // The index keeps addresses unique however often a name repeats.
    email: `${person.handle}.${index + 1}@${domain}`,
    name: b2b ? `${person.name} (${company})` : person.name,
    locale,
    timeZone: place.timeZone,
    country: place.country,
    b2b,
    marketingConsent: random.chance(SHARES.consent),
    orderCount: random.chance(SHARES.returning) ? random.int(1, 9) : 0,
    ...(b2b ? { salesManagerEmail: `sales.${locale}@shop.example.com` } : {}),
    persona: { openRate: engaged ? 0.6 : 0.3, clickRate: engaged ? 0.35 : 0.15, mailClient },
  };
}

function cartLines(customer: SimulatedCustomer, random: Random): CartLine[] {
  const catalog = customer.b2b ? BUSINESS_PRODUCTS : CONSUMER_PRODUCTS;
  const count = random.int(1, customer.b2b ? 3 : 4);
  const chosen = new Map<string, Product>();
  while (chosen.size < count) {
    const product = random.pick(catalog);
    chosen.set(product.sku, product);
  }
  return [...chosen.values()].map((product) => ({
    sku: product.sku,
    name: product.name[customer.locale],
    quantity: customer.b2b
      ? random.int(2, 20)
      : random.weighted([
          [1, 0.8],
          [2, 0.15],
          [3, 0.05],
        ] as const),
    unitPrice: product.price.toFixed(2),
    categories: product.categories,
  }));
}

/** The cart total as the webhook states it: the sum of its lines, in cents to avoid float drift. */
export function cartTotal(lines: readonly CartLine[]): string {
  const cents = lines.reduce((sum, line) => sum + Math.round(Number(line.unitPrice) * 100) * line.quantity, 0);
  return (cents / 100).toFixed(2);
}
