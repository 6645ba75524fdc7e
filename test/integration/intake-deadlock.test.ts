import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CartEventInput } from '../../db/cart-store';
import { createGroupCommit } from '../../db/group-commit';
import type { ConflictRetry } from '../../db/transient-conflict';
import { CartEvent } from '../../domain/events';
import { createServerMetrics } from '../../metrics/server-metrics';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { type TestDatabase, createTestDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text';

// A real deadlock on the real PostgreSQL, made deterministic: a second session (standing in for a
// concurrent transaction) holds one row the intake transaction needs, waits until that transaction
// holds the other row and is queued behind it, then asks for that row too. Its deadlock_timeout is
// set far above the server's 1 s, so PostgreSQL's check runs in the intake's session first and
// aborts that one (SQLSTATE 40P01); the second session then gets its row and commits.
const shopId = 'shop-intake-deadlock';
let database: TestDatabase;
let client: Client;

beforeAll(async () => {
  database = await createTestDatabase();
  client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) });
});
afterAll(async () => {
  await client.connection.close();
  await database.drop();
});

function cart(options: Parameters<typeof cartUpdatedEvent>[0] = {}): CartEventInput {
  const payload = cartUpdatedEvent(options);
  return { shopId, event: CartEvent.parse(payload), payload };
}

/** The other transaction: a session of its own that locks rows when told to. */
async function otherTransaction() {
  const session = await database.sql.reserve();
  await session`begin`;
  // Superuser-only setting (the test cluster's user is postgres): this session never runs the check.
  await session`set local deadlock_timeout = '60s'`;
  const [{ pid } = { pid: 0 }] = await session<Array<{ pid: number }>>`select pg_backend_pid() as pid`;
  return {
    lockCart: (cartId: string) =>
      session`select 1 from carts where shop_id = ${shopId} and cart_id = ${cartId} for update`,
    lockCartNowait: (cartId: string) =>
      session`select 1 from carts where shop_id = ${shopId} and cart_id = ${cartId} for update nowait`,
    lockCustomer: (email: string) =>
      session`select 1 from customers where shop_id = ${shopId} and email = ${email} for update`,
    /** Resolves once another session waits for a lock this one holds. */
    blocksAnother: () =>
      eventually(async () => {
        const waiting = await database.sql`select pid from pg_stat_activity where ${pid} = any(pg_blocking_pids(pid))`;
        expect(waiting).toHaveLength(1);
      }),
    async commit() {
      await session`commit`;
      session.release();
    },
  };
}

async function outboxOf(cartIds: string[]): Promise<Array<{ cart_id: string; event_id: string }>> {
  return database.sql<Array<{ cart_id: string; event_id: string }>>`
    select cart_id, event_id from outbox where shop_id = ${shopId} and cart_id = any(${cartIds}) order by id`;
}

async function storedCount(sql: postgres.Sql, eventIds: string[]): Promise<number> {
  const [row] = await sql<Array<{ n: number }>>`
    select count(*)::int as n from cart_events where shop_id = ${shopId} and event_id = any(${eventIds})`;
  return row?.n ?? 0;
}

describe('POST /webhooks/cart when PostgreSQL aborts its transaction for a deadlock', () => {
  it('answers 202 (not 500), stores the event once, queues it once after the earlier one, and counts the retry', async () => {
    const workflows = createCartWorkflows({ client, taskQueue: 'unused', abandonAfterMs: 3_600_000, campaigns: [] });
    const metrics = createServerMetrics();
    const app = createApp({
      db: database.db,
      workflows,
      relay: { wake() {} },
      metrics,
      config: { shopId, webhookSecret: TEST_SECRET, webhookMaxBytes: 64 * 1024, webhookToleranceMs: 300_000 },
      logger: pino({ level: 'silent' }),
    });
    const customer = { email: 'deadlock-webhook@example.com' };
    const first = cartUpdatedEvent({ cartId: 'cart-webhook', customer, updatedAt: '2026-01-01T10:00:00Z' });
    expect((await app.request('/webhooks/cart', signedRequest(first))).status).toBe(202);

    // The webhook's statement locks the customer's row, then the cart's: the other takes the cart first.
    const other = await otherTransaction();
    await other.lockCart('cart-webhook');
    const second = cartUpdatedEvent({ cartId: 'cart-webhook', customer, updatedAt: '2026-01-01T10:05:00Z' });
    const answer = app.request('/webhooks/cart', signedRequest(second));
    await other.blocksAnother();
    await other.lockCustomer(customer.email);
    await other.commit();

    const response = await answer;
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'accepted', eventId: second.id });
    expect(await storedCount(database.sql, [second.id])).toBe(1);
    expect(await outboxOf(['cart-webhook'])).toEqual([
      { cart_id: 'cart-webhook', event_id: first.id },
      { cart_id: 'cart-webhook', event_id: second.id },
    ]);
    const [snapshot] = await database.sql<Array<{ updated: Date }>>`
      select snapshot_updated_at as updated from carts where shop_id = ${shopId} and cart_id = 'cart-webhook'`;
    expect(snapshot?.updated.toISOString()).toBe('2026-01-01T10:05:00.000Z');
    const samples = parsePrometheusText(await metrics.registry.metrics());
    expect(sampleValue(samples, 'cartflow_intake_store_retries_total', { reason: 'deadlock' })).toBe(1);
  });
});

describe('createGroupCommit when PostgreSQL aborts a batch for a deadlock', () => {
  it('runs the whole batch again: every event stored once in one transaction, each cart in order', async () => {
    for (const cartId of ['cart-a', 'cart-b']) {
      await createGroupCommit({ db: database.db })(cart({ cartId, updatedAt: '2026-01-01T09:00:00Z' }));
    }
    const retries: Array<ConflictRetry & { eventIds: string[] }> = [];
    const store = createGroupCommit({ db: database.db, onConflictRetry: (retry) => retries.push(retry) });
    const a1 = cart({ cartId: 'cart-a', updatedAt: '2026-01-01T10:00:00Z', customer: { email: 'a@example.com' } });
    const b1 = cart({ cartId: 'cart-b', updatedAt: '2026-01-01T10:00:00Z', customer: { email: 'b@example.com' } });
    const a2 = cart({ cartId: 'cart-a', updatedAt: '2026-01-01T10:01:00Z', customer: { email: 'a@example.com' } });
    const batch = [a1, b1, a2];

    // The batch's first statement upserts carts a and b in that order; the other holds b.
    const other = await otherTransaction();
    await other.lockCart('cart-b');
    const outcomes = Promise.all(batch.map(store));
    await other.blocksAnother();
    await other.lockCart('cart-a');
    await other.commit();

    expect((await outcomes).map(({ kind }) => kind)).toEqual(['new', 'new', 'new']);
    const ids = batch.map(({ event }) => event.id);
    expect(retries).toEqual([{ reason: 'deadlock', retry: 1, eventIds: ids }]);
    expect(await storedCount(database.sql, ids)).toBe(3);
    // Rows written by one transaction carry its id in xmin: retried whole, not one by one.
    const [row] = await database.sql<Array<{ transactions: number }>>`
      select count(distinct xmin::text)::int as transactions from cart_events where event_id = any(${ids})`;
    expect(row?.transactions).toBe(1);
    const queued = (await outboxOf(['cart-a', 'cart-b'])).filter(({ event_id }) => ids.includes(event_id));
    expect(queued.filter(({ cart_id }) => cart_id === 'cart-a').map(({ event_id }) => event_id)).toEqual([
      a1.event.id,
      a2.event.id,
    ]);
    expect(queued.filter(({ cart_id }) => cart_id === 'cart-b').map(({ event_id }) => event_id)).toEqual([b1.event.id]);
  });

  it('locks carts in key order, not arrival order: a batch queued behind cart c holds no lock on cart d', async () => {
    for (const cartId of ['cart-c', 'cart-d']) {
      await createGroupCommit({ db: database.db })(cart({ cartId, updatedAt: '2026-01-01T09:00:00Z' }));
    }
    const store = createGroupCommit({ db: database.db });
    // d arrives first; a batch that locked in arrival order would hold d while it waits for c, and
    // a transaction holding c that then wanted d would deadlock with it.
    const batch = [
      cart({ cartId: 'cart-d', customer: { email: 'd@example.com' } }),
      cart({ cartId: 'cart-c', customer: { email: 'c@example.com' } }),
    ];
    const other = await otherTransaction();
    await other.lockCart('cart-c');
    const outcomes = Promise.all(batch.map(store));
    await other.blocksAnother();
    // NOWAIT: fails at once (55P03) if the batch holds cart d.
    const dWasFree = await other.lockCartNowait('cart-d').then(
      () => true,
      () => false,
    );
    await other.commit();
    expect(dWasFree).toBe(true);
    expect((await outcomes).map(({ kind }) => kind)).toEqual(['new', 'new']);
  });
});
