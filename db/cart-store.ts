import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { CartUpdatedEvent, Customer, Order } from '../domain/events';
import { CartEvent, cartIdOf } from '../domain/events';
import { canonicalEventJson } from '../domain/event-identity';
import type { Db } from './client';
import { collisionFreeBatches } from './cart-updated-batches';
import { type CartUpdatedInput, type CartUpdatedOutcome, storeCartUpdatedStatement } from './cart-updated-statement';
import { markUsed as markCodesUsed } from './discount-store';
import { storeOrder } from './order-store';
import { cartEvents, carts, customers, outbox, type CartStatus } from './schema';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export type StoredEvent =
  /** First time this event id was seen: it is stored and queued in the outbox for its workflow. */
  | { kind: 'new' }
  /** A cart.updated for a cart that was bought: stored, and nothing is queued (no chain starts). */
  | { kind: 'cart_purchased' }
  /** Seen before (delivered, or still queued in the outbox): acknowledge, do nothing. */
  | { kind: 'duplicate' }
  /** The event id was used before for a different event: refuse, change nothing. */
  | { kind: 'conflict' };

/** What the webhook hands over: `payload` is what is stored with the event (the body as parsed). */
export interface CartEventInput {
  shopId: string;
  event: CartEvent;
  payload: unknown;
}

/**
 * Stores a validated event, applies it to the cart snapshot and queues it in the outbox in one
 * transaction, so an event is either fully recorded and on its way to Temporal, or not at all.
 */
export async function storeCartEvent(db: Db, input: CartEventInput): Promise<StoredEvent> {
  const [stored] = await storeCartEvents(db, [input]);
  if (!stored) throw new Error('storeCartEvents returned no outcome');
  return stored;
}

/**
 * Stores several events in ONE transaction (group commit: one COMMIT, one WAL flush for all) and
 * returns each one's outcome, in order. All or nothing: if any statement fails the whole
 * transaction rolls back and this rejects (the caller may then store them one by one).
 * Consecutive cart.updated events go in as few statements as their collisions allow
 * (db/cart-updated-batches.ts); other events wait for everything before them. A batch that is one
 * statement runs as that statement alone, which PostgreSQL commits as one transaction.
 */
export async function storeCartEvents(db: Db, inputs: readonly CartEventInput[]): Promise<StoredEvent[]> {
  const oneStatement = asOneStatement(inputs);
  if (oneStatement) return storeCartUpdatedRun(db, oneStatement);
  return db.transaction(async (tx) => {
    const outcomes: StoredEvent[] = [];
    let run: CartUpdatedEventInput[] = [];
    for (const input of inputs) {
      if (input.event.type === 'cart.updated') {
        run.push({ ...input, event: input.event });
      } else {
        outcomes.push(...(await storeCartUpdatedRun(tx, run)));
        outcomes.push(await storeOtherEvent(tx, { ...input, event: input.event }));
        run = [];
      }
    }
    outcomes.push(...(await storeCartUpdatedRun(tx, run)));
    return outcomes;
  });
}

/** order.placed and customer.created. */
type OtherEvent = Exclude<CartEvent, CartUpdatedEvent>;

type CartUpdatedEventInput = { shopId: string; event: CartUpdatedEvent; payload: unknown };

/** The database (a statement of its own commits on its own) or a transaction. */
type Executor = Db | Tx;

/**
 * The common batch: cart.updated events only, no two sharing a key (db/cart-updated-batches.ts).
 * Its one statement is atomic by itself, so it runs without BEGIN and COMMIT around it: one round
 * trip to PostgreSQL instead of three (each a socket write and a wake-up on both sides).
 */
function asOneStatement(inputs: readonly CartEventInput[]): CartUpdatedEventInput[] | undefined {
  const run: CartUpdatedEventInput[] = [];
  for (const input of inputs) {
    if (input.event.type !== 'cart.updated') return undefined;
    run.push({ ...input, event: input.event });
  }
  return collisionFreeBatches(run).length === 1 ? run : undefined;
}

/**
 * The stored hash: of the event's canonical form (domain/event-identity.ts), not the raw body, so a
 * retry that orders its keys differently or writes "39.8" for "39.80" is the same event.
 */
function hashOf(event: CartEvent): string {
  return sha256(canonicalEventJson(event));
}

/** Rows stored before canonical hashing hold the hash of the validated event as serialized. */
function hashesOf({ event, eventJson }: { event: CartEvent; eventJson?: string }): string[] {
  return [hashOf(event), sha256(eventJson ?? JSON.stringify(event))];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function storeCartUpdatedRun(tx: Executor, run: readonly CartUpdatedEventInput[]): Promise<StoredEvent[]> {
  const inputs: CartUpdatedInput[] = run.map((input) => {
    // Serialized once, stored by the statement as the outbox row's event.
    return { ...input, eventJson: JSON.stringify(input.event), payloadHash: hashOf(input.event) };
  });
  const outcomes: CartUpdatedOutcome[] = [];
  // Sent without waiting for each other's answers (pipelined on the connection); PostgreSQL runs
  // them in the order sent, so events that share a key see each other as event-by-event would.
  await Promise.all(
    collisionFreeBatches(inputs).map(async (indexes) => {
      const results = await storeCartUpdatedStatement(
        tx,
        indexes.map((index) => inputs[index]!),
      );
      indexes.forEach((index, k) => (outcomes[index] = results[k]!));
    }),
  );
  const stored: StoredEvent[] = [];
  for (const [index, input] of inputs.entries()) stored.push(await outcomeOf(tx, input, outcomes[index]!));
  return stored;
}

async function outcomeOf(tx: Executor, input: CartUpdatedInput, outcome: CartUpdatedOutcome): Promise<StoredEvent> {
  const { shopId, event } = input;
  if (!outcome.inserted) {
    // Committed by another transaction after this statement's snapshot: read it as it is now.
    const previous = outcome.previous.seen ? outcome.previous : await readPrevious(tx, shopId, event.id);
    return (await isRetry(tx, { shopId, event, previous, hashes: hashesOf(input), cartId: event.data.id }))
      ? { kind: 'duplicate' }
      : { kind: 'conflict' };
  }
  // A cart that was bought never starts (or restarts) a chain, even after Temporal forgot it.
  if (outcome.status === 'purchased') {
    // Bought after the statement's snapshot was taken (an order committed while it waited). Only a
    // marker: outside a transaction a failure here leaves the event stored, unqueued and unmarked.
    if (!outcome.processed) await markProcessed(tx, shopId, event.id);
    return { kind: 'cart_purchased' };
  }
  return { kind: 'new' };
}

/** order.placed and customer.created: rarer than cart snapshots, stored statement by statement. */
async function storeOtherEvent(
  tx: Tx,
  { shopId, event, payload }: { shopId: string; event: OtherEvent; payload: unknown },
): Promise<StoredEvent> {
  const cartId = cartIdOf(event);
  const payloadHash = hashOf(event);
  const inserted = await tx
    .insert(cartEvents)
    .values({ shopId, eventId: event.id, type: event.type, cartId, payload, payloadHash })
    .onConflictDoNothing()
    .returning({ eventId: cartEvents.eventId });
  if (inserted.length === 0) {
    const previous = await readPrevious(tx, shopId, event.id);
    return (await isRetry(tx, { shopId, event, previous, hashes: hashesOf({ event }), cartId }))
      ? { kind: 'duplicate' }
      : { kind: 'conflict' };
  }
  await applyEvent(tx, shopId, event);
  await tx.insert(outbox).values({ shopId, eventId: event.id, cartId, event });
  return { kind: 'new' };
}

async function readPrevious(tx: Executor, shopId: string, eventId: string) {
  const [previous] = await tx
    .select({ payloadHash: cartEvents.payloadHash, cartId: cartEvents.cartId })
    .from(cartEvents)
    .where(and(eq(cartEvents.shopId, shopId), eq(cartEvents.eventId, eventId)));
  return previous;
}

type Previous = { payloadHash: string | null; cartId: string | null } | undefined;

/**
 * Whether the stored event with this id is this one. A row stored before canonical hashing holds
 * the hash of the event as it was first serialized: when that differs, its stored body, read as an
 * event again, says whether a retry written another way ("39.8" for "39.80") is the same event.
 */
async function isRetry(
  tx: Executor,
  input: { shopId: string; event: CartEvent; previous: Previous; hashes: readonly string[]; cartId: string },
): Promise<boolean> {
  const { shopId, event, previous, hashes, cartId } = input;
  if (sameEvent(previous, { hashes, cartId })) return true;
  if (!previous?.payloadHash) return false;
  const [row] = await tx
    .select({ payload: cartEvents.payload })
    .from(cartEvents)
    .where(and(eq(cartEvents.shopId, shopId), eq(cartEvents.eventId, event.id)));
  const stored = CartEvent.safeParse(row?.payload);
  return stored.success && hashOf(stored.data) === hashOf(event);
}

/** Stored before, the same event: the outbox delivers it (or did), whatever the shop retries. */
function sameEvent(previous: Previous, current: { hashes: readonly string[]; cartId: string }): boolean {
  // A retry sends the same event; rows stored before hashes existed are compared by cart.
  return previous?.payloadHash ? current.hashes.includes(previous.payloadHash) : previous?.cartId === current.cartId;
}

async function markProcessed(tx: Executor, shopId: string, eventId: string): Promise<void> {
  await tx
    .update(cartEvents)
    .set({ processedAt: sql`now()` })
    .where(and(eq(cartEvents.shopId, shopId), eq(cartEvents.eventId, eventId)));
}

async function applyEvent(tx: Tx, shopId: string, event: OtherEvent): Promise<void> {
  if (event.type === 'customer.created') {
    // A registration gives consent or says nothing about it: its `false` never takes back a consent
    // given before (Shopify's customers/create has carried no consent since API 2025-01, and the
    // consent webhook for the same sign-up can come first, stamped the same second).
    const { customer } = event.data;
    const statedAt = customer.marketingConsent
      ? new Date(event.data.createdAt ?? event.occurredAt ?? Date.now())
      : null;
    await upsertCustomer(tx, { shopId, customer, statedAt });
    return;
  }
  await applyOrder(tx, {
    shopId,
    order: event.data,
    eventId: event.id,
    placedAt: new Date(event.data.placedAt ?? event.occurredAt ?? Date.now()),
  });
}

export async function getCartStatus(
  db: Db,
  input: { shopId: string; cartId: string },
): Promise<CartStatus | undefined> {
  const [row] = await db
    .select({ status: carts.status })
    .from(carts)
    .where(and(eq(carts.shopId, input.shopId), eq(carts.cartId, input.cartId)));
  return row?.status;
}

/**
 * `statedAt`: when the shop said what the customer block says (the event's time), for consent;
 * `null` when the block says nothing about consent, and the stored consent stays as it is.
 */
async function upsertCustomer(
  tx: Tx,
  { shopId, customer, statedAt }: { shopId: string; customer: Customer; statedAt: Date | null },
): Promise<number | undefined> {
  const [row] = await tx
    .insert(customers)
    .values({
      shopId,
      externalId: customer.id,
      email: customer.email,
      name: customer.name,
      locale: customer.locale,
      timeZone: customer.timeZone,
      b2b: customer.b2b,
      marketingConsent: customer.marketingConsent,
      marketingConsentAt: statedAt,
    })
    .onConflictDoUpdate({
      target: [customers.shopId, customers.email],
      set: {
        externalId: sql`coalesce(excluded.external_id, ${customers.externalId})`,
        name: sql`coalesce(excluded.name, ${customers.name})`,
        locale: sql`excluded.locale`,
        timeZone: sql`excluded.time_zone`,
        b2b: sql`excluded.b2b`,
        // An older statement arriving late (a retried webhook) does not undo a newer one.
        marketingConsent: sql`case when excluded.marketing_consent_at is null
          or ${customers.marketingConsentAt} > excluded.marketing_consent_at
          then ${customers.marketingConsent} else excluded.marketing_consent end`,
        marketingConsentAt: sql`greatest(${customers.marketingConsentAt}, excluded.marketing_consent_at)`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ id: customers.id });
  return row?.id;
}

async function applyOrder(
  tx: Tx,
  { shopId, order, eventId, placedAt }: { shopId: string; order: Order; eventId: string; placedAt: Date },
): Promise<void> {
  const customerId = order.customer
    ? await upsertCustomer(tx, { shopId, customer: order.customer, statedAt: placedAt })
    : undefined;
  const [cart] = await tx
    .insert(carts)
    .values({ shopId, cartId: order.cartId, status: 'purchased', orderId: order.orderId, customerId })
    .onConflictDoUpdate({
      target: [carts.shopId, carts.cartId],
      set: {
        status: 'purchased',
        orderId: order.orderId,
        customerId: sql`coalesce(excluded.customer_id, ${carts.customerId})`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ customerId: carts.customerId });
  // An order without a customer block belongs to whoever the cart's snapshots named.
  await storeOrder(tx, { shopId, order, customerId: cart?.customerId ?? null, placedAt, eventId });
  await markCodesUsed(tx, { shopId, codes: order.discountCodes ?? [], orderId: order.orderId });
}

/**
 * The customer as the latest webhook left them: a journey's or chain's own snapshot can be days
 * old, and a consent withdrawn since then must win.
 */
export async function getCustomer(
  db: Db,
  input: { shopId: string; email: string },
): Promise<{ id: number; marketingConsent: boolean } | null> {
  const [row] = await db
    .select({ id: customers.id, marketingConsent: customers.marketingConsent })
    .from(customers)
    .where(and(eq(customers.shopId, input.shopId), eq(customers.email, input.email)));
  return row ?? null;
}

/** What a consent webhook did to the stored consent. */
export type ConsentChange =
  /** Stored; `known`: the customer was on file before (a withdrawal then has chains to stop). */
  | { applied: true; known: boolean }
  /** Not stored: the stored consent was stated later than this (an older delivery arriving late). */
  | { applied: false };

/**
 * Records that the customer gave email marketing consent (subscribed in the shop), on file or not
 * yet: the shop may report the consent before the customer or cart it belongs to. `statedAt` is
 * when the shop changed it (its own clock): Shopify retries and reorders deliveries, and an older
 * statement arriving late must not undo a newer one, as for every other consent (migration 0018).
 */
export async function grantMarketingConsent(
  db: Db,
  input: { shopId: string; email: string; statedAt: Date },
): Promise<ConsentChange> {
  return recordConsent(db, { ...input, consent: true });
}

/**
 * Records that the customer withdrew email marketing consent (e.g. in the shop's admin): every
 * step re-reads this row before it sends. Kept also for a customer not on file yet, so that an
 * older "subscribed" delivered after it cannot give back what was withdrawn.
 */
export async function withdrawMarketingConsent(
  db: Db,
  input: { shopId: string; email: string; statedAt: Date },
): Promise<ConsentChange> {
  return recordConsent(db, { ...input, consent: false });
}

async function recordConsent(
  db: Db,
  input: { shopId: string; email: string; statedAt: Date; consent: boolean },
): Promise<ConsentChange> {
  const statedAt = input.statedAt.toISOString();
  // xmax = 0 only on a row this statement inserted: the customer was not on file before.
  const rows = await db
    .insert(customers)
    .values({
      shopId: input.shopId,
      email: input.email,
      marketingConsent: input.consent,
      marketingConsentAt: sql`${statedAt}::timestamptz`,
    })
    .onConflictDoUpdate({
      target: [customers.shopId, customers.email],
      set: {
        marketingConsent: input.consent,
        marketingConsentAt: sql`${statedAt}::timestamptz`,
        updatedAt: sql`now()`,
      },
      // A statement as old as the stored one still applies: of two at the same instant, the later delivery wins.
      setWhere: sql`${customers.marketingConsentAt} is null or ${customers.marketingConsentAt} <= ${statedAt}::timestamptz`,
    })
    .returning({ inserted: sql<boolean>`xmax = 0` });
  const [row] = rows;
  return row ? { applied: true, known: !row.inserted } : { applied: false };
}
