import { sql } from 'drizzle-orm';
import type { CartUpdatedEvent } from '../domain/events';
import { type Db, preparedStatement, rowsOf } from './client';
import type { CartStatus } from './schema';

/** What the statement found for one event; `storeCartUpdated` in db/cart-store.ts turns it into a StoredEvent. */
export interface CartUpdatedOutcome {
  /** The event id was new: the event, customer, cart and (unless bought) outbox rows are written. */
  inserted: boolean;
  /** The cart's status after the statement ('open' for a new cart). */
  status: CartStatus;
  /** The event row was stored as processed: its cart was bought before the statement began. */
  processed: boolean;
  /**
   * When not inserted: the stored event's hash and cart, if this statement's snapshot saw it.
   * `seen: false` means another transaction committed it while this one waited: read it again.
   */
  previous: { seen: boolean; payloadHash: string | null; cartId: string | null };
}

/** One cart.updated event as the statement takes it: `eventJson` serialized once by the caller (its hash). */
export interface CartUpdatedInput {
  shopId: string;
  event: CartUpdatedEvent;
  eventJson: string;
  payload: unknown;
  payloadHash: string;
}

/** The database or a transaction: both run the statement prepared (db/client.ts preparedStatement). */
type Executor = { _: Db['_'] };

/**
 * The events as ONE JSON array, one element per event in input order: `s` the shop, `h` the
 * payload hash, `e` the validated event, `p` the payload as received. One text parameter, parsed
 * by PostgreSQL once; the statement reads each column out of the event itself. Sixteen text arrays
 * (as before) cost postgres.js more CPU per webhook than the rest of the store's client side
 * (each JSON string escaped again as an array element): BENCHMARKS.md, "One JSON parameter".
 */
type StatementValues = { events: string };

const p = (name: keyof StatementValues) => sql.placeholder(name);

// Built once, whatever the batch size: each batch only fills in the document.
const statement = preparedStatement<StatementValues>(
  'cartflow_store_cart_updated_batch',
  sql`
    with input as (
      select x.ord, x.e ->> 's' as shop_id, x.e ->> 'h' as payload_hash, x.e -> 'p' as payload,
             x.e -> 'e' as event, x.e -> 'e' ->> 'id' as event_id, x.e -> 'e' -> 'data' ->> 'id' as cart_id,
             x.e -> 'e' -> 'data' as data
        from jsonb_array_elements(${p('events')}::jsonb) with ordinality as x(e, ord)
    ), ev as (
      -- Each upsert below takes its rows' locks in key order, not input order: two batches that
      -- share some carts, emails or event ids then lock them in the same order and wait for each
      -- other instead of deadlocking. No statement holds two events with one key, so within a
      -- statement their order changes no outcome; the outbox rows keep the input order.
      -- An event for a cart already bought is stored as processed: no outbox row will mark it.
      insert into cart_events (shop_id, event_id, type, cart_id, payload, payload_hash, processed_at)
      select i.shop_id, i.event_id, 'cart.updated', i.cart_id, i.payload, i.payload_hash,
             case when bought.status is not null then now() end
        from input i
        left join lateral (
          select status from carts b where b.shop_id = i.shop_id and b.cart_id = i.cart_id and b.status = 'purchased'
           limit 1
        ) bought on true
       order by i.shop_id, i.event_id
      on conflict do nothing
      returning shop_id, event_id, processed_at is not null as processed
    ), fresh as (
      -- The customer's and the cart's columns, read out of the event (as validated) once here.
      select input.*, c ->> 'id' as customer_id, c ->> 'email' as email, c ->> 'name' as name,
             c ->> 'locale' as locale, c ->> 'timeZone' as time_zone, (c ->> 'b2b')::boolean as b2b,
             (c ->> 'marketingConsent')::boolean as marketing_consent, data ->> 'currency' as currency,
             (data ->> 'total')::numeric as total, (data ->> 'updatedAt')::timestamptz as updated_at
        from input join ev using (shop_id, event_id)
        cross join lateral (select data -> 'customer' as c) customer_of
    ), customer as (
      -- Consent follows the newest statement by the shop's own clock (the snapshot's updatedAt),
      -- not by arrival: a late retry of an older cart must not give back a consent since withdrawn.
      insert into customers (shop_id, external_id, email, name, locale, time_zone, b2b, marketing_consent,
                             marketing_consent_at)
      select shop_id, customer_id, email, name, locale, time_zone, b2b, marketing_consent, updated_at from fresh
       order by shop_id, email
      on conflict (shop_id, email) do update set
        external_id = coalesce(excluded.external_id, customers.external_id),
        name = coalesce(excluded.name, customers.name),
        locale = excluded.locale, time_zone = excluded.time_zone, b2b = excluded.b2b,
        marketing_consent = case when customers.marketing_consent_at > excluded.marketing_consent_at
          then customers.marketing_consent else excluded.marketing_consent end,
        marketing_consent_at = greatest(customers.marketing_consent_at, excluded.marketing_consent_at),
        updated_at = now()
      returning shop_id, email, id
    ), upserted as (
      insert into carts (shop_id, cart_id, customer_id, currency, total, snapshot, snapshot_updated_at)
      select f.shop_id, f.cart_id, c.id, f.currency, f.total, f.data, f.updated_at
        from fresh f join customer c using (shop_id, email) order by f.shop_id, f.cart_id
      on conflict (shop_id, cart_id) do update set
        customer_id = excluded.customer_id, currency = excluded.currency, total = excluded.total,
        snapshot = excluded.snapshot, snapshot_updated_at = excluded.snapshot_updated_at, updated_at = now()
       where carts.snapshot_updated_at is null or carts.snapshot_updated_at <= excluded.snapshot_updated_at
      returning shop_id, cart_id, status
    ), status as (
      -- Existing rows are looked up per event (LATERAL, kept apart by LIMIT: an index probe each),
      -- never joined: a generic plan guesses the arrays' length and may hash-join whole tables.
      -- Only where the upsert returned nothing: "u.status is null" names no column of carts, so
      -- the plan tests it before the probe (a one-time filter) and skips the index otherwise.
      select f.ord, coalesce(u.status, stored.status, 'open') as status
        from fresh f
        left join upserted u using (shop_id, cart_id)
        left join lateral (
          select status from carts c where u.status is null and c.shop_id = f.shop_id and c.cart_id = f.cart_id
           limit 1
        ) stored on true
    ), queued as (
      insert into outbox (shop_id, event_id, cart_id, event)
      select f.shop_id, f.event_id, f.cart_id, f.event
        from fresh f join status s using (ord)
       where s.status <> 'purchased'
       order by f.ord
      returning id
    )
    select ev.event_id is not null as inserted,
           coalesce(ev.processed, false) as processed,
           s.status,
           previous.event_id is not null as previous_seen,
           previous.payload_hash as previous_hash,
           previous.cart_id as previous_cart
      from input i
      left join ev using (shop_id, event_id)
      left join status s using (ord)
      -- Only for an event this statement did not insert (its own insert is not in the snapshot, so
      -- the probe would find nothing): checked before the probe, as in status.
      left join lateral (
        select event_id, payload_hash, cart_id from cart_events p
         where ev.event_id is null and p.shop_id = i.shop_id and p.event_id = i.event_id limit 1
      ) previous on true
     order by i.ord`,
);

/**
 * Several cart.updated events in ONE statement: for each, the event row (once per event id), the
 * customer upsert, the cart snapshot upsert (an older snapshot never overwrites a newer one) and the
 * outbox row, as data-modifying CTEs over the input arrays. Each step runs only for the events whose
 * row was inserted, so a duplicate or a conflicting reuse of an id changes nothing. The status comes
 * from the upsert's RETURNING (the row as locked, latest committed) or, when the snapshot was older
 * and nothing was updated, from the statement's snapshot of the cart.
 *
 * The caller must not put two events with the same (shop, event id), (shop, cart) or (shop, email)
 * in one call (db/cart-updated-batches.ts splits them): an upsert cannot touch a row twice in one
 * statement, and every step sees only the rows as they were before it. Outcomes come back in input
 * order. JSON travels as text cast to jsonb: the same on postgres.js and PGlite.
 */
export async function storeCartUpdatedStatement(
  tx: Executor,
  inputs: readonly CartUpdatedInput[],
): Promise<CartUpdatedOutcome[]> {
  const result = await statement(tx, valuesOf(inputs));
  const rows = rowsOf<{
    inserted: boolean;
    processed: boolean;
    status: CartStatus | null;
    previous_seen: boolean;
    previous_hash: string | null;
    previous_cart: string | null;
  }>(result);
  if (rows.length !== inputs.length) {
    throw new Error(`the cart.updated statement returned ${rows.length} rows for ${inputs.length} events`);
  }
  return rows.map((row) => ({
    inserted: row.inserted,
    processed: row.processed,
    status: row.status ?? 'open',
    previous: { seen: row.previous_seen, payloadHash: row.previous_hash, cartId: row.previous_cart },
  }));
}

function valuesOf(inputs: readonly CartUpdatedInput[]): StatementValues {
  const elements = inputs.map(
    (i) =>
      `{"s":${JSON.stringify(i.shopId)},"h":"${i.payloadHash}","e":${i.eventJson},"p":${JSON.stringify(i.payload)}}`,
  );
  return { events: `[${elements.join(',')}]` };
}
