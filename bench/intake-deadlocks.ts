import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { type CartEventInput, storeCartEvents } from '../db/cart-store';
import { openDatabase } from '../db/client';
import { transientConflictOf } from '../db/transient-conflict';
import { CartEvent } from '../domain/events';
import { benchNumber } from './bench-env';
import { freePort, script } from './chains-support';

// `node --import tsx bench/intake-deadlocks.ts`: how often colliding batches deadlock. Each round
// stores TRANSACTIONS batches at once (the group commit runs up to 3), each holding the same CARTS
// carts of EMAILS customers (default one each; fewer splits a batch into several statements, see
// db/cart-updated-batches.ts) in its own random order, with storeCartEvents and no retry, and counts
// the transactions PostgreSQL aborts with 40P01. A throwaway PostgreSQL with deadlock_timeout
// lowered to DEADLOCK_TIMEOUT_MS (default 20) so that a round does not wait out 1 s per deadlock:
// that changes how soon a deadlock is found, not whether there is one.

const ROUNDS = benchNumber('ROUNDS', 200);
const TRANSACTIONS = benchNumber('TRANSACTIONS', 3);
const CARTS = benchNumber('CARTS', 16);
const EMAILS = benchNumber('EMAILS', CARTS);
const DEADLOCK_TIMEOUT_MS = benchNumber('DEADLOCK_TIMEOUT_MS', 20);
const shopId = 'bench-deadlocks';

function batch(round: number, transaction: number): CartEventInput[] {
  const carts = Array.from({ length: CARTS }, (_, i) => i).sort(() => Math.random() - 0.5);
  return carts.map((i) => {
    const payload = {
      id: `evt-${round}-${transaction}-${i}`,
      type: 'cart.updated',
      data: {
        id: `cart-${i}`,
        currency: 'EUR',
        items: [{ sku: 'TEE-BLK-M', name: 'Organic cotton T-shirt', quantity: 2, unitPrice: '19.90' }],
        total: '39.80',
        recoveryUrl: 'https://shop.example.com/cart/recover?token=t0k3n',
        customer: { email: `d-${i % EMAILS}@bench.example.com`, name: "Zoë O'Brien & Søn", marketingConsent: true },
        updatedAt: new Date().toISOString(),
      },
    };
    return { shopId, event: CartEvent.parse(payload), payload };
  });
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-bench-deadlocks-pg-'));
const url = await script('test-postgres.sh', ['start', dir, String(await freePort())]);
try {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`alter database postgres set deadlock_timeout = '${DEADLOCK_TIMEOUT_MS}ms'`);
  await admin.end();
  const database = await openDatabase({ url });
  await database.migrate();
  const counts = { committed: 0, deadlock: 0, serialization: 0, lock_not_available: 0, other: 0 };
  const started = Date.now();
  for (let round = 0; round < ROUNDS; round += 1) {
    const settled = await Promise.allSettled(
      Array.from({ length: TRANSACTIONS }, (_, t) => storeCartEvents(database.db, batch(round, t))),
    );
    for (const outcome of settled) {
      if (outcome.status === 'fulfilled') counts.committed += 1;
      else counts[transientConflictOf(outcome.reason) ?? 'other'] += 1;
    }
  }
  await database.close();
  process.stdout.write(
    `${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(
        ' ',
      )}; ${ROUNDS} rounds of ${TRANSACTIONS} concurrent batches of the same ${CARTS} carts (${EMAILS} customers) in random ` +
      `order, deadlock_timeout ${DEADLOCK_TIMEOUT_MS} ms, ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
      `${JSON.stringify(counts)}\n`,
  );
} finally {
  await script('test-postgres.sh', ['stop', dir]);
}
process.exit(0);
