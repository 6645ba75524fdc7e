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
 * Claims up to `limit` events that are due, at most one per cart: a cart's oldest undelivered
 * event, and only when no relay holds it. Several relays (processes) can run this at once:
 * `SKIP LOCKED` keeps them off each other's rows, and the claim itself (moving `available_at`
 * past the lease) keeps a cart's next event waiting until this one is delivered, so each cart's
 * events reach Temporal in the order they were stored. A relay that dies loses its claim when the
 * lease ends.
 */
export async function claimDueEvents(db: Db, { limit, leaseMs }: { limit: number; leaseMs: number }) {
  const result = await db.execute(sql`
    update outbox o
       set available_at = now() + ${leaseMs} * interval '1 millisecond', attempts = o.attempts + 1
     where o.id in (
       select d.id from outbox d
        where d.delivered_at is null and d.available_at <= now()
          and not exists (
            select 1 from outbox earlier
             where earlier.shop_id = d.shop_id and earlier.cart_id = d.cart_id
               and earlier.delivered_at is null and earlier.id < d.id)
        order by d.id
        limit ${limit}
        for update skip locked)
    returning o.id, o.shop_id, o.event_id, o.event, o.attempts, to_json(o.created_at) #>> '{}' as stored_at`);
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

/** The event reached its workflow (or needs none): the cart's next event becomes due. */
export async function markOutboxDelivered(db: Db, claimed: Pick<ClaimedEvent, 'id' | 'shopId' | 'eventId'>) {
  await db.transaction(async (tx) => {
    await tx
      .update(outbox)
      .set({ deliveredAt: sql`now()`, lastError: null })
      .where(eq(outbox.id, claimed.id));
    await tx
      .update(cartEvents)
      .set({ processedAt: sql`now()` })
      .where(and(eq(cartEvents.shopId, claimed.shopId), eq(cartEvents.eventId, claimed.eventId)));
  });
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

/** Events stored but not yet delivered to Temporal. */
export async function countUndelivered(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(outbox).where(isNull(outbox.deliveredAt));
  return row?.n ?? 0;
}
