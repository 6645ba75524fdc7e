import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { CartEventInput, StoredEvent } from '../db/cart-store';
import { type Db, preparedStatement, rowsOf } from '../db/client';

// Two leaner ways to store a webhook than the product's, for bench/intake-designs.ts only: what
// intake would cost if a webhook wrote fewer rows. Both keep what the answer needs (once per event
// id; the stored hash to tell a retry from a reused id); neither updates the customer or the cart
// snapshot, which a relay would then have to do after the answer. Not product code: they skip the
// product's splitting of events that share a cart or an email (the bench's never do) and its
// special events (orders, new customers).

type Values = Record<'shopIds' | 'eventIds' | 'cartIds' | 'payloads' | 'events' | 'hashes', string[]>;
const p = (name: keyof Values) => sql.placeholder(name);

const input = sql`
  input as (
    select * from unnest(${p('shopIds')}::text[], ${p('eventIds')}::text[], ${p('cartIds')}::text[],
                         ${p('payloads')}::text[], ${p('events')}::text[], ${p('hashes')}::text[])
      with ordinality as i(shop_id, event_id, cart_id, payload, event, payload_hash, ord)
  ), ev as (
    insert into cart_events (shop_id, event_id, type, cart_id, payload, payload_hash)
    select shop_id, event_id, 'cart.updated', cart_id, payload::jsonb, payload_hash from input
     order by shop_id, event_id
    on conflict do nothing
    returning shop_id, event_id
  )`;

const outcome = sql`
  select ev.event_id is not null as inserted, previous.payload_hash as previous_hash
    from input i
    left join ev using (shop_id, event_id)
    left join lateral (
      select payload_hash from cart_events p where p.shop_id = i.shop_id and p.event_id = i.event_id limit 1
    ) previous on true
   order by i.ord`;

/** The event row and its outbox row: the product's store without the customer and cart upserts. */
const eventAndOutbox = preparedStatement<Values>(
  'bench_store_event_and_outbox',
  sql`with ${input}, queued as (
    insert into outbox (shop_id, event_id, cart_id, event)
    select i.shop_id, i.event_id, i.cart_id, i.event::jsonb from input i join ev using (shop_id, event_id)
     order by i.ord
  ) ${outcome}`,
);

/** The event row alone: an event log that a relay would read as its outbox. */
const eventOnly = preparedStatement<Values>('bench_store_event_only', sql`with ${input} ${outcome}`);

type StoreEvents = (db: Db, inputs: readonly CartEventInput[]) => Promise<StoredEvent[]>;

function leanStore(statement: typeof eventOnly): StoreEvents {
  return async (db, inputs) => {
    const events = inputs.map(({ event }) => JSON.stringify(event));
    const hashes = events.map((json) => createHash('sha256').update(json).digest('hex'));
    // One statement, so no explicit transaction: autocommit makes it one.
    const result = await statement(db, {
      shopIds: inputs.map(({ shopId }) => shopId),
      eventIds: inputs.map(({ event }) => event.id),
      cartIds: inputs.map(({ event }) => (event.type === 'cart.updated' ? event.data.id : '')),
      payloads: inputs.map(({ payload }) => JSON.stringify(payload)),
      events,
      hashes,
    });
    return rowsOf<{ inserted: boolean; previous_hash: string | null }>(result).map((row, i) => {
      if (row.inserted) return { kind: 'new' };
      return { kind: row.previous_hash === hashes[i] ? 'duplicate' : 'conflict' };
    });
  };
}

export const storeEventAndOutbox = leanStore(eventAndOutbox);
export const storeEventOnly = leanStore(eventOnly);
