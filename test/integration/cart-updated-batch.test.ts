import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CartEventInput, storeCartEvents } from '../../db/cart-store';
import type { Db } from '../../db/client';
import { batchScenario, inputsFor } from '../helpers/batch-scenario';
import { storeBackends } from '../helpers/store-backends';
import { storeOneByOne, storedRows } from '../helpers/stored-rows';

// A group-commit batch of cart.updated events is stored in as few statements as its collisions
// allow (db/cart-updated-batches.ts): each webhook must still get the answer, and leave the rows,
// that storing the events one at a time gives. On the real PostgreSQL and on the embedded PGlite.

describe.each(storeBackends)('a batch of cart.updated events on $name', ({ open }) => {
  let db: Db;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await open());
  }, 120_000);
  afterAll(async () => {
    await close?.();
  });

  async function storeBefore(inputs: readonly CartEventInput[]) {
    await storeOneByOne(db, inputs);
  }

  it('answers new, duplicate, conflict and cart_purchased per event, and stores what a user expects', async () => {
    const { before, batch, kinds } = batchScenario();
    await storeBefore(inputsFor('shop-batched', before));

    const outcomes = await storeCartEvents(db, inputsFor('shop-batched', batch));

    expect(outcomes.map(({ kind }) => kind)).toEqual(kinds);
    const rows = await storedRows(db, 'shop-batched');
    const cart = (cartId: string) => rows.carts.find((row) => row.cart_id === cartId);
    // The newer snapshot won; the late older one changed nothing but is still queued, after the others.
    expect(cart('cart-twice')?.total).toBe('20.0000');
    expect(rows.outbox.filter((row) => row.cart_id === 'cart-twice').map((row) => row.event_id)).toEqual([
      'evt-twice-1',
      'evt-twice-2',
      'evt-twice-0',
    ]);
    // One customer for both carts, with the name from the later event.
    expect([cart('cart-one')?.email, cart('cart-two')?.email]).toEqual(['two@example.com', 'two@example.com']);
    expect(rows.customers.find((row) => row.email === 'two@example.com')?.name).toBe("Zoë O'Brien");
    // A reused id changed nothing: the stored cart keeps its total, the other cart does not exist.
    expect(cart('cart-stored')?.total).toBe('52.3000');
    expect(cart('cart-elsewhere')).toBeUndefined();
    // The bought cart's snapshot is stored and marked processed, and nothing is queued for it.
    expect(rows.outbox.some((row) => row.event_id === 'evt-after-order')).toBe(false);
    expect(rows.events.find((row) => row.event_id === 'evt-after-order')?.processed).toBe('true');
    expect(rows.outbox.map((row) => row.event_id).sort()).toEqual(
      // The order queued before the batch, then one row per new event of it.
      [
        'evt-stored',
        'evt-order',
        'evt-fresh',
        'evt-twice-1',
        'evt-twice-2',
        'evt-twice-0',
        'evt-one',
        'evt-two',
      ].sort(),
    );
  });

  it('gives the same answers and rows as storing the same events one at a time', async () => {
    const { before, batch } = batchScenario();
    await storeBefore(inputsFor('shop-compare-batched', before));
    await storeBefore(inputsFor('shop-compare-single', before));

    const outcomes = await storeCartEvents(db, inputsFor('shop-compare-batched', batch));
    const oneByOne = await storeOneByOne(db, inputsFor('shop-compare-single', batch));

    expect(outcomes.map(({ kind }) => kind)).toEqual(oneByOne);
    expect(await storedRows(db, 'shop-compare-batched')).toEqual(await storedRows(db, 'shop-compare-single'));
  });
});
