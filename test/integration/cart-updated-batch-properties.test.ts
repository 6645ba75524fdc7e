import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCartEvents } from '../../db/cart-store';
import type { Db } from '../../db/client';
import { inputsFor } from '../helpers/batch-scenario';
import { cartUpdatedEvent, orderPlacedEvent } from '../helpers/cart-events';
import { storeBackends } from '../helpers/store-backends';
import { storeOneByOne, storedRows } from '../helpers/stored-rows';

// Random group-commit batches drawn from a few event ids, carts and customers (so that they
// collide: a retried event, a reused id, a cart's snapshots out of order, one customer's carts,
// a cart bought in between) must answer and store exactly what storing the same events one at a
// time does. On the real PostgreSQL and on the embedded PGlite (fewer runs).
// Fewer runs on PGlite, which is slower per statement.
const runsOn: Record<string, number> = { PostgreSQL: 60, 'PGlite (the embedded default)': 40 };
const backends = storeBackends.map((backend) => ({ ...backend, numRuns: runsOn[backend.name] ?? 40 }));

const minute = (m: number) => new Date(Date.UTC(2026, 10, 30, 9, m)).toISOString();

const cartUpdated = fc
  .record({
    eventId: fc.constantFrom('e0', 'e1', 'e2', 'e3', 'e4'),
    cartId: fc.constantFrom('c0', 'c1', 'c2'),
    email: fc.constantFrom('a@example.com', 'b@example.com', 'c@example.com'),
    name: fc.constantFrom(undefined, 'Zoë', "O'Brien & Søn"),
    customerId: fc.constantFrom(undefined, 'cust-1'),
    marketingConsent: fc.boolean(),
    updatedAt: fc.integer({ min: 0, max: 3 }).map(minute),
    total: fc.constantFrom('1.00', '52.30'),
  })
  .map(({ eventId, cartId, email, name, customerId, marketingConsent, updatedAt, total }) => {
    const event = cartUpdatedEvent({ eventId, cartId, updatedAt, customer: { email, marketingConsent } });
    const customer = { ...event.data.customer, name, id: customerId };
    return { ...event, data: { ...event.data, total, customer } };
  });

const orderPlaced = fc
  .record({ eventId: fc.constantFrom('o0', 'o1', 'e0'), cartId: fc.constantFrom('c0', 'c1', 'c2') })
  .map(({ eventId, cartId }) => {
    const order = orderPlacedEvent({ eventId, cartId });
    return { ...order, data: { ...order.data, orderId: `order-${cartId}` } };
  });

// An entry is an event, or "send the n-th event so far again" (a shop's retry).
const entry = fc.oneof(
  { arbitrary: cartUpdated, weight: 6 },
  { arbitrary: orderPlaced, weight: 1 },
  { arbitrary: fc.nat().map((n) => ({ again: n })), weight: 2 },
);
const batches = fc.array(fc.array(entry, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 3 });

describe.each(backends)('on $name', ({ numRuns, open }) => {
  let db: Db;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await open());
  }, 120_000);
  afterAll(async () => {
    await close?.();
  });

  let run = 0;
  it('random batches answer and store what storing their events one at a time does', async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (drawn) => {
        const sent: unknown[] = [];
        const payloads = drawn.map((batch) =>
          batch.map((item) => {
            const payload = 'again' in item ? (sent[item.again % Math.max(1, sent.length)] ?? sent[0]) : item;
            if (payload === undefined) return undefined;
            sent.push(payload);
            return payload;
          }),
        );
        const shop = `prop-${(run += 1)}`;
        const batched: string[] = [];
        for (const batch of payloads) {
          const inputs = inputsFor(
            `${shop}-batched`,
            batch.filter((p) => p !== undefined),
          );
          if (inputs.length > 0) batched.push(...(await storeCartEvents(db, inputs)).map(({ kind }) => kind));
        }
        const oneByOne = await storeOneByOne(db, inputsFor(`${shop}-single`, sent));

        expect(batched).toEqual(oneByOne);
        expect(await storedRows(db, `${shop}-batched`)).toEqual(await storedRows(db, `${shop}-single`));
      }),
      { numRuns },
    );
  }, 120_000);
});
