import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { storeCartEvent } from '../../db/cart-store';
import { CartEvent } from '../../domain/events';
import { cartWorkflowId } from '../../domain/ids';
import { type CartWorkflows, createCartWorkflows } from '../../server/cart-workflows';
import { createOutboxRelay } from '../../server/outbox-relay';
import { consumerCampaign } from '../helpers/campaigns';
import { cartUpdatedEvent } from '../helpers/cart-events';
import type { TestDatabase } from '../helpers/database';
import { useDatabaseAndTemporal } from '../helpers/database-and-temporal';

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

describe('several relays on one outbox', () => {
  it('deliver every event exactly once, each cart’s events in the order they were stored', async () => {
    const carts = Array.from({ length: 12 }, () => `cart-${randomUUID().slice(0, 8)}`);
    const stored: Record<string, string[]> = {};
    // Five snapshots per cart, one cart's after another: a batch would hold several of one cart.
    for (const cartId of carts) {
      for (let version = 0; version < 5; version += 1) {
        const updatedAt = new Date(Date.UTC(2026, 10, 29, 12, 0, version)).toISOString();
        const event = CartEvent.parse(cartUpdatedEvent({ cartId, updatedAt }));
        expect((await storeCartEvent(database.db, { shopId, event, payload: event })).kind).toBe('new');
        (stored[cartId] ??= []).push(event.id);
      }
    }

    const log: Array<{ relay: string; eventId: string }> = [];
    const logger = pino({ level: 'silent' });
    const relays = ['a', 'b', 'c'].map((name) =>
      createOutboxRelay({ db: database.db, workflows: recording(name, log), logger, batchSize: 8 }),
    );
    // Each drain stops when nothing is due for it: go on until the outbox is empty.
    for (;;) {
      await Promise.all(relays.map((relay) => relay.drain()));
      const [row] = await database.sql`select count(*)::int as n from outbox where delivered_at is null`;
      if (row?.n === 0) break;
    }

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
      const history = await client.workflow.getHandle(cartWorkflowId({ shopId, cartId })).fetchHistory();
      const updatedAts = (history.events ?? []).flatMap((event) => {
        const started = event.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
        const signalled = event.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0]?.data;
        if (started)
          return [
            (JSON.parse(Buffer.from(started).toString()) as { firstCart: { updatedAt: string } }).firstCart.updatedAt,
          ];
        if (signalled) return [(JSON.parse(Buffer.from(signalled).toString()) as { updatedAt: string }).updatedAt];
        return [];
      });
      expect(updatedAts).toEqual(
        [0, 1, 2, 3, 4].map((second) => new Date(Date.UTC(2026, 10, 29, 12, 0, second)).toISOString()),
      );
    }
  });
});
