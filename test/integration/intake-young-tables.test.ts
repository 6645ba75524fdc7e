import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CartEventInput } from '../../db/cart-store';
import { CartEvent } from '../../domain/events';
import { createIntakeStore } from '../../server/intake-store';
import { cartUpdatedEvent } from '../helpers/cart-events';
import { type TestDatabase, createTestDatabase } from '../helpers/database';
import { type PlanReportingConnection, planReportingConnection, sequentialScans } from '../helpers/generic-plans';

// A new install's first burst (db/young-table-statistics.ts). Autovacuum analyses the intake tables
// after the shop's first test webhooks, and each connection then keeps plans made for tables of a
// few rows: a sequential scan of `carts` and of `customers` for every stored event, ever slower
// as the tables grow, until autovacuum's next round. The store runs on one connection here, with
// PostgreSQL's auto_explain reporting the plan of every statement it runs (the foreign-key checks
// included), as the plan cache chooses them.
const shopId = 'shop-young-tables';
const intakeTables = ['cart_events', 'outbox', 'carts', 'customers'];
let database: TestDatabase;
let connection: PlanReportingConnection;

beforeAll(async () => {
  database = await createTestDatabase();
  connection = await planReportingConnection(database.url);
});
afterAll(async () => {
  await connection.sql.end();
  await database.drop();
});

let sent = 0;
function nextCart(): CartEventInput {
  sent += 1;
  const payload = cartUpdatedEvent({
    cartId: `young-cart-${sent}`,
    customer: { email: `young-${sent}@example.com`, name: sent % 2 ? "Zoë O'Brien & Søn" : 'Пётр Чайковский' },
  });
  return { shopId, event: CartEvent.parse(payload), payload };
}

describe('the intake tables of a young install', () => {
  it('after the shop’s first burst, no stored event scans carts or customers from start to end', async () => {
    const store = createIntakeStore({ db: connection.db, logger: pino({ level: 'silent' }) });
    const burst = async (webhooks: number) => {
      for (let wave = 0; wave < webhooks / 64; wave += 1) {
        const outcomes = await Promise.all(Array.from({ length: 64 }, () => store(nextCart())));
        expect(outcomes.every(({ kind }) => kind === 'new')).toBe(true);
      }
    };
    // The shop's first test webhooks, one at a time; then autovacuum's ANALYZE of tables that small.
    for (let n = 0; n < 60; n += 1) await store(nextCart());
    await database.sql.unsafe(`analyze ${intakeTables.join(', ')}`);

    // The shop's traffic: 2,048 webhooks, 64 in flight, then the plans of the next 128.
    await burst(2_048);
    const plans = await connection.record(() => burst(128));

    expect(plans.length).toBeGreaterThan(0);
    // Before db/young-table-statistics.ts: { customers: 128, … }, one whole scan per event.
    const scans: Record<string, number> = {};
    for (const table of sequentialScans(plans))
      if (intakeTables.includes(table)) scans[table] = (scans[table] ?? 0) + 1;
    expect(scans).toEqual({});
    const [stored] = await database.sql<[{ events: number }]>`select count(*)::int as events from cart_events`;
    expect(stored.events).toBe(60 + 2_048 + 128);
  });
});
