import { sql } from 'drizzle-orm';
import { type CartEventInput, type StoredEvent, storeCartEvent } from '../../db/cart-store';
import { type Db, rowsOf } from '../../db/client';

/**
 * Everything intake stored for one shop, as text and without generated ids, so two shops fed the
 * same events (one in batches, one event by event) can be compared row for row, on PostgreSQL and
 * on PGlite alike.
 */
export async function storedRows(db: Db, shopId: string) {
  const read = async (query: ReturnType<typeof sql>) => rowsOf<Record<string, string | null>>(await db.execute(query));
  return {
    events: await read(sql`
      select event_id, type, cart_id, payload::text, payload_hash, (processed_at is not null)::text as processed
        from cart_events where shop_id = ${shopId} order by event_id`),
    customers: await read(sql`
      select email, external_id, name, locale, time_zone, b2b::text, marketing_consent::text
        from customers where shop_id = ${shopId} order by email`),
    carts: await read(sql`
      select c.cart_id, cu.email, c.currency, c.total::text, c.snapshot::text,
             c.snapshot_updated_at::text as snapshot_updated_at, c.status::text
        from carts c left join customers cu on cu.id = c.customer_id
       where c.shop_id = ${shopId} order by c.cart_id`),
    // Each cart's rows in the order the relay delivers them (one cart after another: only a cart's
    // own events are ordered, and a batch may queue another cart's event before them).
    outbox: await read(sql`
      select event_id, cart_id, event::text from outbox where shop_id = ${shopId} order by cart_id, id`),
  };
}

/** The reference: each event in a transaction of its own, one after the other. */
export async function storeOneByOne(db: Db, inputs: readonly CartEventInput[]): Promise<StoredEvent['kind'][]> {
  const kinds: StoredEvent['kind'][] = [];
  for (const input of inputs) kinds.push((await storeCartEvent(db, input)).kind);
  return kinds;
}
