import { sql } from 'drizzle-orm';
import type { CartUpdatedEvent } from '../domain/events';
import { type Db, preparedStatement, rowsOf } from './client';
import type { CartStatus } from './schema';

/** What the one statement found; `storeCartUpdated` in db/cart-store.ts turns it into a StoredEvent. */
export interface CartUpdatedOutcome {
  /** The event id was new: the event, customer, cart and (unless bought) outbox rows are written. */
  inserted: boolean;
  /** The cart's status after the statement ('open' for a new cart). */
  status: CartStatus;
  /**
   * When not inserted: the stored event's hash and cart, if this statement's snapshot saw it.
   * `seen: false` means another transaction committed it while this one waited: read it again.
   */
  previous: { seen: boolean; payloadHash: string | null; cartId: string | null };
}

/** The database or a transaction: both run the statement prepared (db/client.ts preparedStatement). */
type Executor = { _: Db['_'] };

/** The values the statement's placeholders take, by name. */
type StatementValues = {
  shopId: string;
  eventId: string;
  cartId: string;
  eventJson: string;
  payloadJson: string;
  payloadHash: string;
  customerId: string | null;
  email: string;
  name: string | null;
  locale: string;
  timeZone: string;
  b2b: boolean;
  marketingConsent: boolean;
  currency: string;
  total: string;
  updatedAt: string;
};

const p = (name: keyof StatementValues) => sql.placeholder(name);

// Built once: each event only fills in the values.
const statement = preparedStatement<StatementValues>(
  'cartflow_store_cart_updated',
  sql`
    with input as (
      select ${p('eventJson')}::jsonb as event
    ), ev as (
      insert into cart_events (shop_id, event_id, type, cart_id, payload, payload_hash)
      values (${p('shopId')}::text, ${p('eventId')}::text, 'cart.updated', ${p('cartId')}::text,
              ${p('payloadJson')}::jsonb, ${p('payloadHash')}::text)
      on conflict do nothing
      returning event_id
    ), customer as (
      insert into customers (shop_id, external_id, email, name, locale, time_zone, b2b, marketing_consent)
      select ${p('shopId')}::text, ${p('customerId')}::text, ${p('email')}::text, ${p('name')}::text,
             ${p('locale')}::text, ${p('timeZone')}::text, ${p('b2b')}::boolean,
             ${p('marketingConsent')}::boolean
       where exists (select 1 from ev)
      on conflict (shop_id, email) do update set
        external_id = coalesce(excluded.external_id, customers.external_id),
        name = coalesce(excluded.name, customers.name),
        locale = excluded.locale, time_zone = excluded.time_zone, b2b = excluded.b2b,
        marketing_consent = excluded.marketing_consent, updated_at = now()
      returning id
    ), upserted as (
      insert into carts (shop_id, cart_id, customer_id, currency, total, snapshot, snapshot_updated_at)
      select ${p('shopId')}::text, ${p('cartId')}::text, (select id from customer), ${p('currency')}::text,
             ${p('total')}::numeric, (select event -> 'data' from input), ${p('updatedAt')}::timestamptz
       where exists (select 1 from ev)
      on conflict (shop_id, cart_id) do update set
        customer_id = excluded.customer_id, currency = excluded.currency, total = excluded.total,
        snapshot = excluded.snapshot, snapshot_updated_at = excluded.snapshot_updated_at, updated_at = now()
       where carts.snapshot_updated_at is null or carts.snapshot_updated_at <= excluded.snapshot_updated_at
      returning status
    ), status as (
      select coalesce(
        (select status from upserted),
        (select status from carts where shop_id = ${p('shopId')}::text and cart_id = ${p('cartId')}::text),
        'open') as status
    ), queued as (
      insert into outbox (shop_id, event_id, cart_id, event)
      select ${p('shopId')}::text, ${p('eventId')}::text, ${p('cartId')}::text, (select event from input)
       where exists (select 1 from ev) and (select status from status) <> 'purchased'
      returning id
    ), previous as (
      select payload_hash, cart_id from cart_events where shop_id = ${p('shopId')}::text and event_id = ${p('eventId')}::text
    )
    select exists (select 1 from ev) as inserted,
           (select status from status) as status,
           exists (select 1 from queued) as queued,
           exists (select 1 from previous) as previous_seen,
           (select payload_hash from previous) as previous_hash,
           (select cart_id from previous) as previous_cart`,
);

/**
 * A cart.updated event in ONE statement (one round trip instead of six): the event row (once per
 * event id), the customer upsert, the cart snapshot upsert (an older snapshot never overwrites a
 * newer one) and the outbox row, as data-modifying CTEs. Each step runs only if the event row was
 * inserted, so a duplicate or a conflicting reuse of the id changes nothing. The status comes from
 * the upsert's RETURNING (the row as locked, latest committed) or, when the snapshot was older and
 * nothing was updated, from the statement's snapshot of the cart.
 * JSON travels as text cast to jsonb: the same on postgres.js and PGlite. `eventJson` is the
 * event as the caller already serialized it for its hash; the cart snapshot is its `data`.
 * The statement is prepared once per connection: its text must not depend on the input.
 */
export async function storeCartUpdatedStatement(
  tx: Executor,
  input: { shopId: string; event: CartUpdatedEvent; eventJson: string; payload: unknown; payloadHash: string },
): Promise<CartUpdatedOutcome> {
  const { shopId, event, payloadHash } = input;
  const cart = event.data;
  const customer = cart.customer;
  const result = await statement(tx, {
    shopId,
    eventId: event.id,
    cartId: cart.id,
    eventJson: input.eventJson,
    payloadJson: JSON.stringify(input.payload),
    payloadHash,
    customerId: customer.id ?? null,
    email: customer.email,
    name: customer.name ?? null,
    locale: customer.locale,
    timeZone: customer.timeZone,
    b2b: customer.b2b,
    marketingConsent: customer.marketingConsent,
    currency: cart.currency,
    total: cart.total,
    updatedAt: cart.updatedAt,
  });
  const [row] = rowsOf<{
    inserted: boolean;
    status: CartStatus;
    previous_seen: boolean;
    previous_hash: string | null;
    previous_cart: string | null;
  }>(result);
  if (!row) throw new Error('the cart.updated statement returned no row');
  return {
    inserted: row.inserted,
    status: row.status,
    previous: { seen: row.previous_seen, payloadHash: row.previous_hash, cartId: row.previous_cart },
  };
}
