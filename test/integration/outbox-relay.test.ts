import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { storeCartEvent } from '../../db/cart-store';
import { claimDueEvents, outboxBacklog } from '../../db/outbox-store';
import { CartEvent } from '../../domain/events';
import { cartWorkflowId } from '../../domain/ids';
import { type CartWorkflows, createCartWorkflows } from '../../server/cart-workflows';
import { createRelayMetrics } from '../../metrics/relay-metrics';
import { createOutboxRelay } from '../../server/outbox-relay';
import { consumerCampaign } from '../helpers/campaigns';
import { cartUpdatedEvent } from '../helpers/cart-events';
import { eventually } from '../helpers/eventually';
import type { TestDatabase } from '../helpers/database';
import { useDatabaseAndTemporal } from '../helpers/database-and-temporal';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text';

// Three relays (as in three server processes) drain one outbox at the same time, on the real
// Temporal dev server and real PostgreSQL. No worker: the test looks at what reached Temporal.
const shopId = 'shop-relay';
const taskQueue = `relay-test-${randomUUID()}`;
let database: TestDatabase;
let client: Client;
useDatabaseAndTemporal((opened) => ({ database, client } = opened));

/** The real cart workflows, noting which relay delivered which event, in the order they did. */
function recording(name: string, log: Array<{ relay: string; eventId: string }>): CartWorkflows {
  const real = createCartWorkflows({ client, taskQueue, abandonAfterMs: 3_600_000, campaigns: [consumerCampaign()] });
  return {
    ...real,
    async deliver(shop, event) {
      log.push({ relay: name, eventId: event.id });
      return real.deliver(shop, event);
    },
  };
}

/** Stores one cart.updated per second of `seconds` for the cart; returns their event ids in order. */
async function storeSnapshots(cartId: string, seconds: number[]): Promise<string[]> {
  const ids: string[] = [];
  for (const second of seconds) {
    const event = CartEvent.parse(cartUpdatedEvent({ cartId, updatedAt: snapshotTime(second) }));
    expect((await storeCartEvent(database.db, { shopId, event, payload: event })).kind).toBe('new');
    ids.push(event.id);
  }
  return ids;
}

const snapshotTime = (second: number) => new Date(Date.UTC(2026, 10, 29, 12, 0, second)).toISOString();

/** The cart snapshots its workflow received, in the order Temporal recorded them (start, then signals). */
async function snapshotsInTemporal(cartId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(cartWorkflowId({ shopId, cartId })).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const started = event.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    const signalled = event.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0]?.data;
    if (started)
      return [
        (JSON.parse(Buffer.from(started).toString()) as { firstCart: { updatedAt: string } }).firstCart.updatedAt,
      ];
    if (signalled) return [(JSON.parse(Buffer.from(signalled).toString()) as { updatedAt: string }).updatedAt];
    return [];
  });
}

/** Drains until the outbox is empty (each drain stops when nothing is due for it). */
async function drainAll(relays: Array<{ drain(): Promise<number> }>) {
  for (;;) {
    await Promise.all(relays.map((relay) => relay.drain()));
    const [row] = await database.sql`select count(*)::int as n from outbox where delivered_at is null`;
    if (row?.n === 0) return;
  }
}

describe('several relays on one outbox', () => {
  it('deliver every event exactly once, each cart’s events in the order they were stored', async () => {
    const carts = Array.from({ length: 12 }, () => `cart-${randomUUID().slice(0, 8)}`);
    const stored: Record<string, string[]> = {};
    // Five snapshots per cart, one cart's after another: a batch would hold several of one cart.
    for (const cartId of carts) stored[cartId] = await storeSnapshots(cartId, [0, 1, 2, 3, 4]);

    const log: Array<{ relay: string; eventId: string }> = [];
    const logger = pino({ level: 'silent' });
    const relays = ['a', 'b', 'c'].map((name) =>
      createOutboxRelay({ db: database.db, workflows: recording(name, log), logger, batchSize: 8 }),
    );
    await drainAll(relays);

    const delivered = log.map(({ eventId }) => eventId);
    expect(delivered.length).toBe(carts.length * 5);
    expect(new Set(delivered).size).toBe(delivered.length);
    for (const cartId of carts) {
      const ids = stored[cartId] ?? [];
      expect(delivered.filter((eventId) => ids.includes(eventId))).toEqual(ids);
    }
    // The work was shared, not done by one relay while the others found everything claimed.
    expect(new Set(log.map(({ relay }) => relay)).size).toBeGreaterThan(1);

    // What Temporal holds: each cart's workflow started with its first snapshot, then the other
    // four as signals, in the order they were stored.
    for (const cartId of carts) {
      expect(await snapshotsInTemporal(cartId)).toEqual([0, 1, 2, 3, 4].map(snapshotTime));
    }
  });
});

describe('the relay while Temporal is unreachable', () => {
  it('holds back each cart’s later events behind its undelivered first, then delivers all in order', async () => {
    const logger = pino({ level: 'silent' });
    const carts = Array.from({ length: 4 }, () => `cart-${randomUUID().slice(0, 8)}`);
    const stored: Record<string, string[]> = {};
    for (const cartId of carts) stored[cartId] = await storeSnapshots(cartId, [0, 1]);

    // A real connection to a port where nothing listens: every delivery fails, as in an outage.
    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) });
    const down = createOutboxRelay({
      db: database.db,
      workflows: createCartWorkflows({
        client: unreachable,
        taskQueue,
        abandonAfterMs: 3_600_000,
        campaigns: [consumerCampaign()],
      }),
      logger,
    });
    expect(await down.drain()).toBe(0);
    const attempts = async (eventIds: string[]) =>
      (
        await database.sql<{ attempts: number }[]>`
          select attempts from outbox where event_id in ${database.sql(eventIds)} order by id`
      ).map((row) => row.attempts);
    for (const cartId of carts) {
      // The first was tried and failed; the second was never claimed: it waits behind the first.
      expect(await attempts(stored[cartId] ?? [])).toEqual([1, 0]);
    }
    // More snapshots arrive during the outage.
    for (const cartId of carts) await storeSnapshots(cartId, [2]);

    const workflows = createCartWorkflows({
      client,
      taskQueue,
      abandonAfterMs: 3_600_000,
      campaigns: [consumerCampaign()],
    });
    await drainAll([createOutboxRelay({ db: database.db, workflows, logger })]);
    for (const cartId of carts) {
      expect(await snapshotsInTemporal(cartId)).toEqual([0, 1, 2].map(snapshotTime));
    }
  });
});

describe('relay metrics', () => {
  it('report the backlog and the oldest event’s age, then what was delivered and what failed', async () => {
    const registry = new Registry();
    const metrics = createRelayMetrics(registry, () => outboxBacklog(database.db));
    const scrape = async () => parsePrometheusText(await registry.metrics());
    // Whatever the other test left is delivered first: the gauges count this test's events only.
    const real = recording('metrics', []);
    await createOutboxRelay({ db: database.db, workflows: real, logger: pino({ level: 'silent' }) }).drain();

    const events = Array.from({ length: 3 }, () => CartEvent.parse(cartUpdatedEvent()));
    for (const event of events) await storeCartEvent(database.db, { shopId, event, payload: event });
    await database.sql`update outbox set created_at = now() - interval '90 seconds' where delivered_at is null`;
    const before = await scrape();
    expect(sampleValue(before, 'cartflow_outbox_backlog')).toBe(3);
    expect(sampleValue(before, 'cartflow_outbox_oldest_undelivered_age_seconds')).toBeGreaterThanOrEqual(90);

    // Temporal unreachable: every delivery fails and is counted; the events stay queued.
    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) });
    const down = createCartWorkflows({
      client: unreachable,
      taskQueue,
      abandonAfterMs: 3_600_000,
      campaigns: [consumerCampaign()],
      deliveryTimeoutMs: 1_000,
    });
    const logger = pino({ level: 'silent' });
    await createOutboxRelay({ db: database.db, workflows: down, logger, metrics }).drain();
    const failed = await scrape();
    expect(sampleValue(failed, 'cartflow_outbox_delivery_failures_total')).toBe(3);
    expect(sampleValue(failed, 'cartflow_outbox_backlog')).toBe(3);

    // Temporal back (and the retry backoff over): delivered, counted, and the backlog is empty.
    await database.sql`update outbox set available_at = now() where delivered_at is null`;
    await createOutboxRelay({ db: database.db, workflows: real, logger, metrics }).drain();
    const after = await scrape();
    expect(sampleValue(after, 'cartflow_outbox_delivered_total')).toBe(3);
    expect(sampleValue(after, 'cartflow_outbox_backlog')).toBe(0);
    expect(sampleValue(after, 'cartflow_outbox_oldest_undelivered_age_seconds')).toBe(0);
    await unreachable.connection.close();
  });
});

describe('the relay of `npm start` on the embedded database, after the process was killed', () => {
  it('delivers at once what the killed process had claimed, rather than when the claim runs out', async () => {
    const cartId = `cart-${randomUUID().slice(0, 8)}`;
    const [eventId] = await storeSnapshots(cartId, [1]);
    // What a relay SIGKILLed mid-batch leaves: the row claimed for a minute, never marked delivered.
    const claimed = await claimDueEvents(database.db, { limit: 64, leaseMs: 60_000 });
    expect(claimed.map((row) => row.eventId)).toContain(eventId);

    // The next start is the database's only relay (the embedded folder is one process's).
    const relay = createOutboxRelay({
      db: database.db,
      workflows: recording('restarted', []),
      logger: pino({ level: 'silent' }),
      pollMs: 100,
      soleRelay: true,
    });
    relay.start();
    try {
      await eventually(async () => expect(await snapshotsInTemporal(cartId)).toEqual([snapshotTime(1)]), 10_000);
      await eventually(async () => {
        const [row] = await database.sql`
          select count(*)::int as n from outbox where cart_id = ${cartId} and delivered_at is null`;
        expect(row?.n).toBe(0);
      });
    } finally {
      await relay.stop();
    }
  });
});

describe('a delivery Temporal refuses for a reason other than the network', () => {
  it('is logged with Temporal’s own words, not as "Temporal unreachable"; the event stays queued', async () => {
    const [eventId] = await storeSnapshots(`cart-${randomUUID().slice(0, 8)}`, [1]);
    // The real dev server, answering: this namespace does not exist (as a cluster missing cartflow's setup).
    const elsewhere = new Client({ connection: client.connection, namespace: `missing-${randomUUID().slice(0, 8)}` });
    const refused = createCartWorkflows({
      client: elsewhere,
      taskQueue,
      abandonAfterMs: 3_600_000,
      campaigns: [consumerCampaign()],
    });
    const warnings: Array<{ msg: string; reason?: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    await createOutboxRelay({ db: database.db, workflows: refused, logger }).drain();

    expect(warnings).toEqual([
      expect.objectContaining({
        msg: 'outbox relay: events not delivered to Temporal, kept for retry',
        reason: expect.stringMatching(/namespace/i),
      }),
    ]);
    const [row] = await database.sql`select delivered_at, last_error from outbox where event_id = ${eventId!}`;
    expect(row?.delivered_at).toBeNull();
    expect(row?.last_error).toMatch(/namespace/i);

    // Delivered once the setup is right, so the other tests find an empty backlog.
    await database.sql`update outbox set available_at = now() where delivered_at is null`;
    await createOutboxRelay({ db: database.db, workflows: recording('fixed', []), logger }).drain();
    const [delivered] = await database.sql`select delivered_at from outbox where event_id = ${eventId!}`;
    expect(delivered?.delivered_at).not.toBeNull();
  });
});
