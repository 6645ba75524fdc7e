import { randomUUID } from 'node:crypto';
import { type SQL, and, eq, inArray, or, sql } from 'drizzle-orm';
import { holdsAddress, mayHoldAddress, namesAddress, payloadEmail } from './address-match';
import type { Db } from './client';
import {
  cartEvents,
  outbox,
  carts,
  categoryOptOuts,
  chains as chainRows,
  orders,
  customers,
  deliveryEvents,
  discountCodes,
  messages,
  suppressions,
  trackingEvents,
  unsubscribeEvents,
} from './schema';
import {
  type ReadableChain,
  type ReadableMessage,
  type ReadableOrder,
  readableCart,
  readableChain,
  readableDiscountCode,
  readableMessage,
  readableOrder,
} from './person-export-money';
import { emailKey } from '../domain/email-address';

/**
 * GDPR access (art. 15) and erasure (art. 17) for one address, the queries: every row about the
 * person, found by the address, by their customer id, and through their carts and messages.
 * Stopping their workflows before an erasure is app/privacy.ts.
 */

export interface PersonInput {
  shopId: string;
  email: string;
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Reader = Db | Tx;

/** What is held about a person, one array per table (the customer row on its own), as stored. */
interface HeldRows {
  shopId: string;
  email: string;
  exportedAt: string;
  customer: typeof customers.$inferSelect | null;
  carts: Array<typeof carts.$inferSelect>;
  cartEvents: Array<typeof cartEvents.$inferSelect>;
  messages: Array<typeof messages.$inferSelect>;
  chains: Array<typeof chainRows.$inferSelect>;
  /** Orders hold no address or name: an erase keeps them (counts and revenue), tied to the anonymised customer. */
  orders: Array<typeof orders.$inferSelect>;
  discountCodes: Array<typeof discountCodes.$inferSelect>;
  /** Unsubscribes made through the person's emails (their consent history); no address, an erase keeps them. */
  unsubscribeEvents: Array<typeof unsubscribeEvents.$inferSelect>;
  suppressions: Array<typeof suppressions.$inferSelect>;
  categoryOptOuts: Array<typeof categoryOptOuts.$inferSelect>;
  deliveryEvents: Array<typeof deliveryEvents.$inferSelect>;
  trackingEvents: Array<typeof trackingEvents.$inferSelect>;
}

/** The access-request document: every held row, money as a person reads it (db/person-export-money.ts). */
export interface PersonExport extends Omit<HeldRows, 'orders' | 'chains' | 'messages'> {
  orders: ReadableOrder[];
  chains: ReadableChain[];
  messages: ReadableMessage[];
}

/** Nothing held: the document still comes back, every table empty, so a script gets the same JSON shape. */
export type ExportResult = { found: boolean; document: PersonExport };

/** What an erased webhook's stored body becomes. */
export const ERASED_PAYLOAD = { erased: true } as const;

export type TableAction = { action: 'deleted' | 'anonymised' | 'kept'; rows: number };

/** The stored form of an address (domain/email-address.ts): any spelling finds the person. */
export const normaliseEmail = emailKey;

/** Every row about the person, as a JSON-serialisable document; `found: false` when nothing is held. */
export async function exportPerson(db: Db, input: PersonInput): Promise<ExportResult> {
  const held = await collect(db, { shopId: input.shopId, email: normaliseEmail(input.email) });
  return { found: !isEmpty(held), document: readable(held) };
}

/** Whether anything is held about the person (an erasure of nothing answers `found: false`). */
export async function holdsPerson(db: Db, input: PersonInput): Promise<boolean> {
  return !isEmpty(await collect(db, { shopId: input.shopId, email: normaliseEmail(input.email) }));
}

/**
 * In one transaction, deletes or anonymises the person's personal data. Rows that only carry
 * counts and outcomes (messages, tracking events, chains, discount codes) stay, stripped of the
 * address, so metrics still add up.
 */
export async function eraseRowsOf(db: Db, input: PersonInput): Promise<ErasedRows> {
  const person = { shopId: input.shopId, email: normaliseEmail(input.email) };
  return db.transaction((tx) => eraseRows(tx, person));
}

export interface ErasedRows {
  tables: Record<string, TableAction>;
  /** The Message-ID headers of the person's emails, to find copies kept outside the database. */
  messageIdHeaders: string[];
}

async function eraseRows(tx: Tx, person: PersonInput): Promise<ErasedRows> {
  const held = await collect(tx, person);
  const { shopId, email } = person;
  const messageIds = held.messages.map((row) => row.id);
  const cartIds = held.carts.map((row) => row.cartId);
  const deleted = (rows: unknown[]): TableAction => ({ action: 'deleted', rows: rows.length });
  const anonymised = (rows: unknown[]): TableAction => ({ action: 'anonymised', rows: rows.length });
  const kept = (rows: unknown[]): TableAction => ({ action: 'kept', rows: rows.length });

  if (messageIds.length > 0) {
    await tx
      .update(trackingEvents)
      .set({ userAgent: null, ipPrefix: null })
      .where(inArray(trackingEvents.messageId, messageIds));
    // Links can carry the cart's recovery token; an SMTP reply or error often quotes the address.
    await tx
      .update(messages)
      .set({
        recipient: null,
        links: null,
        smtpResponse: null,
        reason: sql`regexp_replace(${messages.reason}, ${escapeRegExp(email)}, '[erased]', 'gi')`,
      })
      .where(inArray(messages.id, messageIds));
  }
  await tx.delete(deliveryEvents).where(deliveryEventsOf(person, messageIds));
  const eventIds = held.cartEvents.map((row) => row.eventId);
  if (eventIds.length > 0) {
    // The row stays as a tombstone (id, type, cart id, hash, no body): a shop that retries the
    // event later gets "duplicate", and the retry does not store the person again.
    await tx
      .update(cartEvents)
      .set({ payload: ERASED_PAYLOAD, processedAt: sql`coalesce(${cartEvents.processedAt}, now())` })
      .where(and(eq(cartEvents.shopId, shopId), inArray(cartEvents.eventId, eventIds)));
    // The outbox holds a copy of each event; one not yet delivered is not delivered at all now.
    await tx.delete(outbox).where(and(eq(outbox.shopId, shopId), inArray(outbox.eventId, eventIds)));
  }
  if (cartIds.length > 0) {
    await tx
      .update(carts)
      .set({ snapshot: null })
      .where(and(eq(carts.shopId, shopId), inArray(carts.cartId, cartIds)));
  }
  await tx.delete(suppressions).where(and(eq(suppressions.shopId, shopId), holdsAddress(suppressions.email, email)));
  await tx
    .delete(categoryOptOuts)
    .where(and(eq(categoryOptOuts.shopId, shopId), holdsAddress(categoryOptOuts.email, email)));
  if (held.customer) {
    // The row stays (carts, messages and chains point at it) under an address that reaches nobody.
    await tx
      .update(customers)
      .set({
        email: `erased-${randomUUID()}@erased.invalid`,
        name: null,
        externalId: null,
        marketingConsent: false,
        updatedAt: sql`now()`,
      })
      .where(eq(customers.id, held.customer.id));
  }
  const tables = {
    customers: anonymised(held.customer ? [held.customer] : []),
    carts: anonymised(held.carts),
    cart_events: anonymised(held.cartEvents),
    messages: anonymised(held.messages),
    tracking_events: anonymised(held.trackingEvents),
    delivery_events: deleted(held.deliveryEvents),
    suppressions: deleted(held.suppressions),
    category_opt_outs: deleted(held.categoryOptOuts),
    chains: kept(held.chains),
    orders: kept(held.orders),
    discount_codes: kept(held.discountCodes),
    unsubscribe_events: kept(held.unsubscribeEvents),
  };
  return { tables, messageIdHeaders: held.messages.map((row) => row.messageIdHeader) };
}

function readable(held: HeldRows): PersonExport {
  return {
    ...held,
    carts: held.carts.map(readableCart),
    messages: held.messages.map(readableMessage),
    chains: held.chains.map(readableChain),
    orders: held.orders.map(readableOrder),
    discountCodes: held.discountCodes.map(readableDiscountCode),
  };
}

async function collect(db: Reader, { shopId, email }: PersonInput): Promise<HeldRows> {
  const [customer] = await db
    .select()
    .from(customers)
    .where(and(eq(customers.shopId, shopId), eq(customers.email, email)));
  const customerId = customer?.id;
  const ofCustomer = <T>(condition: (id: number) => T) => (customerId === undefined ? [] : [condition(customerId)]);

  const personCarts = await db
    .select()
    .from(carts)
    .where(
      and(
        eq(carts.shopId, shopId),
        or(
          ...ofCustomer((id) => eq(carts.customerId, id)),
          holdsAddress(sql`${carts.snapshot} #>> '{customer,email}'`, email),
        ),
      ),
    );
  const cartIds = personCarts.map((row) => row.cartId);
  const personMessages = await db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.shopId, shopId),
        or(...ofCustomer((id) => eq(messages.customerId, id)), holdsAddress(messages.recipient, email)),
      ),
    );
  const messageIds = personMessages.map((row) => row.id);
  return {
    shopId,
    email,
    exportedAt: new Date().toISOString(),
    customer: customer ?? null,
    carts: personCarts,
    cartEvents: await cartEventsOf(db, { shopId, email }, cartIds),
    messages: personMessages,
    chains:
      customerId === undefined
        ? []
        : await db
            .select()
            .from(chainRows)
            .where(and(eq(chainRows.shopId, shopId), eq(chainRows.customerId, customerId))),
    orders:
      customerId === undefined
        ? []
        : await db
            .select()
            .from(orders)
            .where(and(eq(orders.shopId, shopId), eq(orders.customerId, customerId))),
    discountCodes: await db
      .select()
      .from(discountCodes)
      .where(
        and(
          eq(discountCodes.shopId, shopId),
          or(
            ...ofCustomer((id) => eq(discountCodes.customerId, id)),
            ...(cartIds.length > 0 ? [inArray(discountCodes.cartId, cartIds)] : []),
            sql`false`,
          ),
        ),
      ),
    unsubscribeEvents:
      messageIds.length === 0
        ? []
        : await db.select().from(unsubscribeEvents).where(inArray(unsubscribeEvents.messageId, messageIds)),
    suppressions: await db
      .select()
      .from(suppressions)
      .where(and(eq(suppressions.shopId, shopId), holdsAddress(suppressions.email, email))),
    categoryOptOuts: await db
      .select()
      .from(categoryOptOuts)
      .where(and(eq(categoryOptOuts.shopId, shopId), holdsAddress(categoryOptOuts.email, email))),
    deliveryEvents: await db.select().from(deliveryEvents).where(deliveryEventsOf({ shopId, email }, messageIds)),
    trackingEvents:
      messageIds.length === 0
        ? []
        : await db.select().from(trackingEvents).where(inArray(trackingEvents.messageId, messageIds)),
  };
}

/**
 * The person's carts' events, plus any event naming the address (a customer.created has no cart),
 * in whichever spelling the shop sent it.
 */
async function cartEventsOf(db: Reader, { shopId, email }: PersonInput, cartIds: string[]) {
  const rows = await db
    .select()
    .from(cartEvents)
    .where(
      and(
        eq(cartEvents.shopId, shopId),
        or(
          ...(cartIds.length > 0 ? [inArray(cartEvents.cartId, cartIds)] : []),
          mayHoldAddress(sql`${cartEvents.payload} #>> '{data,customer,email}'`, email),
        ),
      ),
    );
  const ofCarts = new Set(cartIds);
  return rows.filter((row) => ofCarts.has(row.cartId) || namesAddress(payloadEmail(row.payload), email));
}

function deliveryEventsOf({ shopId, email }: PersonInput, messageIds: string[]): SQL | undefined {
  return and(
    eq(deliveryEvents.shopId, shopId),
    or(
      holdsAddress(deliveryEvents.email, email),
      ...(messageIds.length > 0 ? [inArray(deliveryEvents.messageId, messageIds)] : []),
    ),
  );
}

function isEmpty(document: HeldRows): boolean {
  const { customer, shopId: _shopId, email: _email, exportedAt: _exportedAt, ...tables } = document;
  return customer === null && Object.values(tables).every((rows) => rows.length === 0);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
