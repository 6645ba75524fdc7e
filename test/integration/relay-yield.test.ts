import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { storeCartEvent } from '../../db/cart-store';
import { CartEvent } from '../../domain/events';
import { type CartWorkflows, createCartWorkflows } from '../../server/cart-workflows';
import { outboxPacingSample } from '../../db/outbox-store';
import { createOutboxRelay } from '../../server/outbox-relay';
import { createArrivalMeter } from '../../server/relay-pacing';
import { consumerCampaign } from '../helpers/campaigns';
import { cartUpdatedEvent } from '../helpers/cart-events';
import type { TestDatabase } from '../helpers/database';
import { useDatabaseAndTemporal } from '../helpers/database-and-temporal';
import { eventually } from '../helpers/eventually';

// OUTBOX_BUSY_RATE: while events keep arriving faster than the relay's busy rate, it delivers at
// that rate (and no slower: it never starves), then catches up once they stop, each cart's events
// in the order they were stored. Real PostgreSQL and Temporal dev server; the "shop" stores events
// straight into the outbox as the webhooks do.
const shopId = 'shop-relay-yield';
const taskQueue = `relay-yield-${randomUUID()}`;
let database: TestDatabase;
let client: Client;
useDatabaseAndTemporal((opened) => ({ database, client } = opened));

const BUSY_RATE = 10;
const LOAD_MS = 4_000;
// The relay measures arrivals over half a second: from this point of the load on it must be yielding.
const MEASURED_FROM_MS = 1_500;
// Enough carts that catching up is not one event per cart per round for minutes (a cart's next
// event waits for its previous one), and a cap so that a fast machine does not store tens of thousands.
const CARTS = 400;
const MAX_EVENTS = 8_000;

describe('a relay that yields to intake', () => {
  it('keeps to its floor rate while events pour in, then delivers every one, in order per cart', async () => {
    const delivered: string[] = [];
    const real = createCartWorkflows({ client, taskQueue, abandonAfterMs: 3_600_000, campaigns: [consumerCampaign()] });
    const workflows: CartWorkflows = {
      ...real,
      async deliver(shop, event) {
        delivered.push(event.id);
        return real.deliver(shop, event);
      },
    };
    const relay = createOutboxRelay({
      db: database.db,
      workflows,
      logger: pino({ level: 'silent' }),
      pollMs: 50,
      relayYield: { busyRate: BUSY_RATE },
    });
    relay.start();

    // The shop: four lanes storing snapshots of CARTS carts (names that break things) for LOAD_MS
    // or MAX_EVENTS, far faster than 10 a second.
    const carts = Array.from({ length: CARTS }, (_, i) => `cart-Zoë's & Søn-${i}-${randomUUID().slice(0, 6)}`);
    const stored: Record<string, string[]> = Object.fromEntries(carts.map((cartId) => [cartId, []]));
    let n = 0;
    let mark: { at: number; delivered: number } | undefined;
    const loadStarted = Date.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() - loadStarted < LOAD_MS && n < MAX_EVENTS) {
          if (!mark && Date.now() - loadStarted >= MEASURED_FROM_MS) {
            mark = { at: Date.now(), delivered: delivered.length };
          }
          const i = n++;
          const cartId = carts[i % carts.length] ?? '';
          const event = CartEvent.parse(
            cartUpdatedEvent({ cartId, updatedAt: new Date(Date.UTC(2026, 10, 30, 0, 0, 0, i)).toISOString() }),
          );
          const { kind } = await storeCartEvent(database.db, { shopId, event, payload: event });
          expect(kind).toBe('new');
          stored[cartId]?.push(event.id);
        }
      }),
    );
    const loadEnded = Date.now();
    const storedCount = Object.values(stored).flat().length;

    // The load outpaced the busy rate many times over for the whole measured stretch, so the relay
    // was yielding there: at most its rate (one event a batch, ten batches a second; a second's
    // slack), and never nothing.
    expect(mark, 'the load ran past the measured point').toBeDefined();
    const measuredSeconds = (loadEnded - (mark?.at ?? loadEnded)) / 1000;
    const inMeasured = delivered.length - (mark?.delivered ?? 0);
    expect(storedCount).toBeGreaterThan((3 * BUSY_RATE * (loadEnded - loadStarted)) / 1000);
    expect(inMeasured).toBeGreaterThan(0);
    expect(inMeasured).toBeLessThanOrEqual(BUSY_RATE * (measuredSeconds + 1));

    // Intake over: it catches up, nothing lost, nothing twice, each cart in its stored order.
    await eventually(async () => {
      const [row] = await database.sql`select count(*)::int as n from outbox where delivered_at is null`;
      expect(row?.n).toBe(0);
    }, 180_000);
    await relay.stop();
    expect(delivered).toHaveLength(storedCount);
    expect(new Set(delivered).size).toBe(storedCount);
    for (const cartId of carts) {
      // The order they were stored in is the outbox's (lanes finish out of order, commits do not).
      const rows = await database.sql<Array<{ event_id: string }>>`
        select event_id from outbox where shop_id = ${shopId} and cart_id = ${cartId} order by id`;
      const ids = rows.map((row) => row.event_id);
      expect(ids.sort()).toEqual([...(stored[cartId] ?? [])].sort());
      expect(delivered.filter((eventId) => ids.includes(eventId))).toEqual(rows.map((row) => row.event_id));
    }
  }, 240_000);

  it('stops yielding once its oldest event has waited OUTBOX_YIELD_MAX_LAG, though events still pour in', async () => {
    // A backlog that has already waited two minutes, against the default bound of one.
    const lagShop = `${shopId}-lag`;
    const BACKLOG = 300;
    for (let i = 0; i < BACKLOG; i++) {
      const event = CartEvent.parse(cartUpdatedEvent({ cartId: `cart-Ünïcode-${i}-${randomUUID().slice(0, 6)}` }));
      await storeCartEvent(database.db, { shopId: lagShop, event, payload: event });
    }
    await database.sql`update outbox set created_at = now() - interval '2 minutes' where shop_id = ${lagShop}`;
    const sampled = await outboxPacingSample(database.db);
    expect(sampled.oldestAgeMs).toBeGreaterThanOrEqual(120_000);

    // The outbox as the relay reads it, plus 5,000 arrivals a second that never stop.
    let pretended = 0;
    const arrivals = createArrivalMeter({
      sample: async () => {
        const real = await outboxPacingSample(database.db);
        pretended += 5_000;
        return { ...real, newestId: real.newestId + pretended };
      },
      windowMs: 100,
    });
    const delivered: string[] = [];
    const real = createCartWorkflows({ client, taskQueue, abandonAfterMs: 3_600_000, campaigns: [consumerCampaign()] });
    const relay = createOutboxRelay({
      db: database.db,
      workflows: {
        ...real,
        async deliver(shop, event) {
          delivered.push(event.id);
          return real.deliver(shop, event);
        },
      },
      logger: pino({ level: 'silent' }),
      pollMs: 50,
      relayYield: { busyRate: BUSY_RATE },
      arrivals,
    });
    const started = Date.now();
    relay.start();
    await eventually(async () => {
      const [row] = await database.sql`select count(*)::int as n from outbox where delivered_at is null`;
      expect(row?.n).toBe(0);
    }, 120_000);
    const seconds = (Date.now() - started) / 1000;
    await relay.stop();
    // At its floor of 10 a second the backlog takes over 20 s (it did, with the bound ignored);
    // past the bound it went at full speed.
    expect(new Set(delivered).size).toBe(BACKLOG);
    expect(seconds).toBeLessThan(BACKLOG / BUSY_RATE / 3);
  }, 180_000);
});
