import { and, count, eq, isNull, lt, sql } from 'drizzle-orm';
import { type Db, rowsOf } from './client';
import { cartEvents, outbox } from './schema';

/** An outbox row a relay has claimed: it alone delivers it until `leaseMs` has passed. */
export interface ClaimedEvent {
  id: number;
  shopId: string;
  eventId: string;
  /** The validated event as stored; the relay parses it again before handing it over. */
  event: unknown;
  /** When the event was stored (ISO 8601): the journeys' `receivedAt`. */
  storedAt: string;
  /** Including this one. */
  attempts: number;
}

/**
 * claimDueEvents' statement, on its own so that a test can read the plan Postgres makes for it.
 *
 * The batch size and the lease are written into the text, not bound: postgres.js prepares each
 * statement, and after five runs PostgreSQL may keep a generic plan, which cannot see the LIMIT.
 * It guessed a tenth of the backlog (2,600 of 26,000 rows) and hash-joined the claimed ids
 * against the whole outbox, delivered rows included: 86 ms a claim instead of 7, a PostgreSQL
 * core spent on claims, and the relay catching up at 69 events/s instead of ~290 (BENCHMARKS.md,
 * "The relay's claim under a generic plan"). Both values are the relay's own settings.
 */
export function claimDueEventsStatement({ limit, leaseMs }: { limit: number; leaseMs: number }) {
  const batch = sql.raw(String(positiveInteger('limit', limit)));
  const lease = sql.raw(String(positiveInteger('leaseMs', leaseMs)));
  return sql`
    update outbox o
       set available_at = now() + ${lease} * interval '1 millisecond', attempts = o.attempts + 1
     where o.id in (
       select d.id from outbox d
        where d.delivered_at is null and d.available_at <= now()
          and not exists (
            select 1 from outbox earlier
             where earlier.shop_id = d.shop_id and earlier.cart_id = d.cart_id and earlier.id < d.id
               -- "delivered_at is null" written so that no partial index on it can serve the probe:
               -- after a quiet spell's ANALYZE saw none undelivered, PostgreSQL took such an index
               -- for empty and probed by walking all of it, every waiting row per candidate (a
               -- claim of 5 ran for minutes in a burst). outbox_cart_idx answers it in a few rows.
               and coalesce(earlier.delivered_at, 'infinity') = 'infinity')
        order by d.id
        limit ${batch}
        for update skip locked)
    returning o.id, o.shop_id, o.event_id, o.event, o.attempts, to_json(o.created_at) #>> '{}' as stored_at`;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not ${value}`);
  return value;
}

/**
 * Makes every undelivered event due now; returns how many were waiting on a claim or a retry pause.
 * Only for a relay that knows no other one shares the database (see OutboxRelayOptions.soleRelay):
 * anywhere else it would take rows another relay is delivering.
 */
export async function releaseOutboxClaims(db: Db): Promise<number> {
  const result = await db.execute(sql`
    update outbox set available_at = now()
     where delivered_at is null and available_at > now()
    returning id`);
  return rowsOf<{ id: string | number }>(result).length;
}

/**
 * Claims up to `limit` events that are due, at most one per cart: a cart's oldest undelivered
 * event, and only when no relay holds it. Several relays (processes) can run this at once:
 * `SKIP LOCKED` keeps them off each other's rows, and the claim itself (moving `available_at`
 * past the lease) keeps a cart's next event waiting until this one is delivered, so each cart's
 * events reach Temporal in the order they were stored. A relay that dies loses its claim when the
 * lease ends.
 */
export async function claimDueEvents(db: Db, { limit, leaseMs }: { limit: number; leaseMs: number }) {
  const result = await db.execute(claimDueEventsStatement({ limit, leaseMs }));
  type Row = {
    id: string | number;
    shop_id: string;
    event_id: string;
    event: unknown;
    attempts: number;
    stored_at: string;
  };
  return rowsOf<Row>(result)
    .map((row): ClaimedEvent => ({
      id: Number(row.id),
      shopId: row.shop_id,
      eventId: row.event_id,
      event: row.event,
      storedAt: new Date(row.stored_at).toISOString(),
      attempts: row.attempts,
    }))
    .sort((a, b) => a.id - b.id);
}

/**
 * Several events reached their workflows: one statement marks them all (and their cart_events
 * rows processed), instead of a transaction of two updates per event.
 */
export async function markOutboxDeliveredMany(db: Db, claimed: ReadonlyArray<Pick<ClaimedEvent, 'id'>>) {
  if (claimed.length === 0) return;
  const ids = `{${claimed.map(({ id }) => Number(id)).join(',')}}`;
  await db.execute(sql`
    with delivered as (
      update outbox set delivered_at = now(), last_error = null
       where id = any(${ids}::bigint[])
      returning shop_id, event_id)
    update cart_events e set processed_at = now()
      from delivered d
     where e.shop_id = d.shop_id and e.event_id = d.event_id`);
}

/** Delivery failed: try again after `retryInMs`; the cart's later events keep waiting behind it. */
export async function markOutboxFailed(db: Db, input: { id: number; error: string; retryInMs: number }) {
  await db
    .update(outbox)
    .set({
      availableAt: sql`now() + ${input.retryInMs} * interval '1 millisecond'`,
      lastError: input.error.slice(0, 500),
    })
    .where(eq(outbox.id, input.id));
}

/** Deletes delivered rows older than `retentionMs`; the events themselves stay in cart_events. */
export async function pruneDeliveredOutbox(db: Db, { retentionMs }: { retentionMs: number }): Promise<number> {
  const deleted = await db
    .delete(outbox)
    .where(lt(outbox.deliveredAt, sql`now() - ${retentionMs} * interval '1 millisecond'`))
    .returning({ id: outbox.id });
  return deleted.length;
}

/** How many events wait for the relay, and how long the oldest has waited (for /metrics). */
export async function outboxBacklog(db: Db): Promise<{ undelivered: number; oldestAgeSeconds: number }> {
  const result = await db.execute(sql`
    select count(*)::int as undelivered,
           coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as oldest_age_seconds
      from outbox where delivered_at is null`);
  const [row] = rowsOf<{ undelivered: number; oldest_age_seconds: number }>(result);
  return { undelivered: Number(row?.undelivered ?? 0), oldestAgeSeconds: Number(row?.oldest_age_seconds ?? 0) };
}

/** Events stored but not yet delivered to Temporal. */
export async function countUndelivered(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(outbox).where(isNull(outbox.deliveredAt));
  return row?.n ?? 0;
}

/**
 * What the relay paces itself by (server/relay-pacing.ts), in one statement of two index lookups:
 * the newest outbox row's id (0 when empty), whose growth is the rate events are stored at, and
 * how long the first undelivered event (in stored order) has waited.
 */
export async function outboxPacingSample(db: Db): Promise<{ newestId: number; oldestAgeMs: number }> {
  const result = await db.execute(
    sql`select (select coalesce(max(id), 0) from outbox)::bigint as newest_id,
               coalesce((select extract(epoch from now() - created_at) * 1000
                           from outbox where delivered_at is null order by id limit 1), 0)::float8 as oldest_age_ms`,
  );
  const [row] = rowsOf<{ newest_id: string | number; oldest_age_ms: number }>(result);
  return { newestId: Number(row?.newest_id ?? 0), oldestAgeMs: Math.max(0, Number(row?.oldest_age_ms ?? 0)) };
}
