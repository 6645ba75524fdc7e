import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CartEventInput, storeCartEvents } from '../../db/cart-store';
import { createGroupCommit } from '../../db/group-commit';
import { isDatabaseUnavailable } from '../../db/unavailable';
import { CartEvent, cartIdOf } from '../../domain/events';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { TEST_SECRET, cartUpdatedEvent, orderPlacedEvent, signedRequest } from '../helpers/cart-events';
import { type TestDatabase, createTestDatabase } from '../helpers/database';

// Group commit on the real PostgreSQL: several webhooks' events in one transaction, each with its
// own outcome; a bad event fails alone; a connection cut mid-batch stores none of the batch.
const shopId = 'shop-group-commit';
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

function cart(options: Parameters<typeof cartUpdatedEvent>[0] = {}): CartEventInput {
  const payload = cartUpdatedEvent(options);
  return { shopId, event: CartEvent.parse(payload), payload };
}

const hostileNames = ["Zoë O'Brien & Søn", 'Пётр Чайковский', 'مريم الأحمد', '"Quotes" <b>bold</b>'];

describe('storeCartEvents: one transaction, an outcome per event', () => {
  it('stores new carts, tells a retry from a reused id, and keeps a bought cart from queueing', async () => {
    const carts = hostileNames.map((name, i) =>
      cart({ customer: { email: `group-${i}@example.com`, name }, cartId: `cart-hostile-${i}` }),
    );
    const first = carts[0]!;
    const reused = cart({ eventId: first.event.id, cartId: 'cart-other' });
    const orderPayload = orderPlacedEvent({ cartId: 'cart-bought' });
    const order: CartEventInput = { shopId, event: CartEvent.parse(orderPayload), payload: orderPayload };
    const afterOrder = cart({ cartId: 'cart-bought' });

    const outcomes = await storeCartEvents(database.db, [...carts, first, reused, order, afterOrder]);

    expect(outcomes.map(({ kind }) => kind)).toEqual([
      'new',
      'new',
      'new',
      'new',
      'duplicate',
      'conflict',
      'new',
      'cart_purchased',
    ]);
    const stored = await database.sql<Array<{ name: string; cart_id: string }>>`
      select cu.name, c.cart_id from carts c join customers cu on cu.id = c.customer_id
       where c.cart_id like 'cart-hostile-%' order by c.cart_id`;
    expect(stored.map(({ name }) => name)).toEqual(hostileNames);
    // The reused id changed nothing: its cart does not exist.
    expect(await database.sql`select 1 from carts where cart_id = 'cart-other'`).toHaveLength(0);
    const queued = await database.sql<Array<{ cart_id: string }>>`select cart_id from outbox order by id`;
    expect(queued.map(({ cart_id }) => cart_id)).toEqual([...carts.map((c) => cartIdOf(c.event)), 'cart-bought']);
    const [bought] = await database.sql<Array<{ processed: boolean }>>`
      select processed_at is not null as processed from cart_events where event_id = ${afterOrder.event.id}`;
    expect(bought?.processed).toBe(true);
  });

  it('a batch of cart snapshots alone (one statement, no BEGIN/COMMIT) keeps a bought cart from queueing', async () => {
    const orderPayload = orderPlacedEvent({ cartId: 'cart-bought-alone' });
    await storeCartEvents(database.db, [{ shopId, event: CartEvent.parse(orderPayload), payload: orderPayload }]);
    const afterOrder = cart({ cartId: 'cart-bought-alone' });
    const open = cart({ cartId: 'cart-open-alone', customer: { email: 'alone@example.com' } });

    const outcomes = await storeCartEvents(database.db, [afterOrder, open]);

    expect(outcomes.map(({ kind }) => kind)).toEqual(['cart_purchased', 'new']);
    const events = await database.sql<Array<{ cart_id: string; processed: boolean }>>`
      select cart_id, processed_at is not null as processed from cart_events
       where event_id in (${afterOrder.event.id}, ${open.event.id}) order by cart_id`;
    expect(events).toEqual([
      { cart_id: 'cart-bought-alone', processed: true },
      { cart_id: 'cart-open-alone', processed: false },
    ]);
    const queued = await database.sql<Array<{ cart_id: string }>>`
      select cart_id from outbox where event_id in (${afterOrder.event.id}, ${open.event.id})`;
    expect(queued).toEqual([{ cart_id: 'cart-open-alone' }]);
  });

  it('answers duplicate for the same event again in a later transaction, and conflict for a new body', async () => {
    const original = cart();
    await storeCartEvents(database.db, [original]);
    const changed = cart({
      eventId: original.event.id,
      cartId: cartIdOf(original.event),
      updatedAt: '2020-01-01T00:00:00Z',
    });
    const outcomes = await storeCartEvents(database.db, [original, changed]);
    expect(outcomes.map(({ kind }) => kind)).toEqual(['duplicate', 'conflict']);
  });
});

describe('createGroupCommit', () => {
  it('commits concurrent webhooks together, and an event the database refuses fails alone', async () => {
    const store = createGroupCommit({ db: database.db, maxInFlight: 1 });
    const good = Array.from({ length: 20 }, (_, i) => cart({ customer: { email: `batch-${i}@example.com` } }));
    // PostgreSQL's jsonb refuses \u0000 in a string: this event's statement fails inside the batch.
    const bad = cart();
    const refused = { ...bad, payload: { ...cartUpdatedEvent(), note: 'nul \u0000 here' } };
    const settled = await Promise.allSettled([...good.slice(0, 10), refused, ...good.slice(10)].map(store));

    expect(settled[10]?.status).toBe('rejected');
    const answered = settled.filter((_, i) => i !== 10);
    expect(answered.map((s) => (s.status === 'fulfilled' ? s.value.kind : 'rejected'))).toEqual(Array(20).fill('new'));
    const ids = good.map(({ event }) => event.id);
    const rows = await database.sql<Array<{ event_id: string }>>`
      select event_id from cart_events where event_id = any(${[...ids, bad.event.id]})`;
    expect(rows.map(({ event_id }) => event_id).sort()).toEqual([...ids].sort());
    expect(await database.sql`select 1 from outbox where event_id = ${bad.event.id}`).toHaveLength(0);
  });

  it('shares transactions under load: fewer commits than events', async () => {
    const store = createGroupCommit({ db: database.db, maxInFlight: 1 });
    const events = Array.from({ length: 30 }, () => cart());
    await Promise.all(events.map(store));
    // Rows written by one transaction carry its id in xmin.
    const [row] = await database.sql<Array<{ transactions: number }>>`
      select count(distinct xmin::text)::int as transactions from cart_events
       where event_id = any(${events.map(({ event }) => event.id)})`;
    expect(row?.transactions).toBeLessThan(events.length);
  });

  it('a batch cut off by a PostgreSQL shutdown half-way fails every event in it and stores none', async () => {
    const store = createGroupCommit({ db: database.db, maxInFlight: 1 });
    const events = Array.from({ length: 8 }, () => cart());
    const fifth = events[4]!.event.id;
    // What a fast shutdown sends every session (SQLSTATE 57P01), raised at the batch's fifth
    // event, after four were written in the transaction. (Terminating the backend instead trips
    // postgres.js's uncatchable nextWrite TypeError, porsager/postgres#1208: docs/durable-intake.md.)
    await database.sql.unsafe(`
      create function shutdown_at_fifth() returns trigger language plpgsql as $$
      begin
        if new.event_id = '${fifth}' then
          raise exception 'terminating connection due to administrator command' using errcode = '57P01';
        end if;
        return new;
      end $$;
      create trigger shutdown_at_fifth before insert on outbox for each row execute function shutdown_at_fifth();`);
    try {
      // Queued in one turn of the event loop: one batch.
      const settled = await Promise.allSettled(events.map(store));
      for (const outcome of settled) {
        expect(outcome.status).toBe('rejected');
        if (outcome.status === 'rejected') expect(isDatabaseUnavailable(outcome.reason)).toBe(true);
      }
    } finally {
      await database.sql.unsafe('drop trigger shutdown_at_fifth on outbox; drop function shutdown_at_fifth()');
    }
    const ids = events.map(({ event }) => event.id);
    expect(await database.sql`select 1 from cart_events where event_id = any(${ids})`).toHaveLength(0);
    expect(
      await database.sql`select 1 from carts where cart_id = any(${events.map((e) => cartIdOf(e.event))})`,
    ).toHaveLength(0);
  });
});

describe('POST /webhooks/cart with a value PostgreSQL cannot store', () => {
  it('answers 400 naming the NUL character, stores nothing, and the webhooks beside it are accepted', async () => {
    // Nothing here reaches Temporal: the relay is never woken for a refused event.
    const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) });
    const workflows = createCartWorkflows({ client, taskQueue: 'unused', abandonAfterMs: 3_600_000, campaigns: [] });
    const app = createApp({
      db: database.db,
      workflows,
      relay: { wake() {} },
      config: { shopId, webhookSecret: TEST_SECRET, webhookMaxBytes: 64 * 1024, webhookToleranceMs: 300_000 },
      logger: pino({ level: 'silent' }),
    });
    const nul = { ...cartUpdatedEvent(), note: 'a \u0000 in a field cartflow does not read' };
    const others = Array.from({ length: 5 }, () => cartUpdatedEvent());
    const [refused, ...accepted] = await Promise.all(
      [nul, ...others].map((body) => app.request('/webhooks/cart', signedRequest(body))),
    );
    expect(refused?.status).toBe(400);
    expect(await refused?.json()).toMatchObject({ error: 'invalid_payload', message: expect.stringMatching(/NUL/) });
    expect(accepted.map((response) => response.status)).toEqual([202, 202, 202, 202, 202]);
    expect(await database.sql`select 1 from cart_events where event_id = ${nul.id}`).toHaveLength(0);
    await client.connection.close();
  });
});
