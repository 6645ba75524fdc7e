import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/client';
import { loadStepFacts } from '../../db/step-facts';
import {
  INTAKE_TABLES,
  STEP_TABLES,
  type TableGroup,
  createYoungTableStatistics,
  postgresTables,
} from '../../db/young-table-statistics';
import { type TestDatabase, createTestDatabase } from '../helpers/database';
import { type PlanReportingConnection, planReportingConnection, sequentialScans } from '../helpers/generic-plans';

// A new install's first burst of chain steps (db/young-table-statistics.ts). Autovacuum analysed
// the tables after the shop's first test carts and emails, and a worker's connection keeps the
// step's facts statement planned for `chains` and `messages` of a few rows: it scanned both whole,
// for every step, as the first real reminders grew them. The growth is written here in SQL, as
// webhooks and steps would add it, and counted as the server and the worker count it.
const shopId = 'shop-young-steps';
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

/** Customers and their carts `from`..`to`, as the webhooks store them. */
async function addCarts(from: number, to: number): Promise<void> {
  await database.sql.begin(async (sql) => {
    await sql`
      insert into customers (id, shop_id, external_id, email)
      select n, ${shopId}, 'cust-' || n, 'o''brien-' || n || '@example.com' from generate_series(${from}::int, ${to}::int) n`;
    await sql`
      insert into carts (shop_id, cart_id, customer_id, status)
      select ${shopId}, 'cart-' || n, n, 'open' from generate_series(${from}::int, ${to}::int) n`;
  });
}

/** The chains and reminders of carts `from`..`to`, as their first steps record them. */
async function addFirstSteps(from: number, to: number): Promise<void> {
  await database.sql.begin(async (sql) => {
    await sql`
      insert into chains (workflow_id, shop_id, customer_id, cart_id, trigger, campaign_id, campaign_version, segment, status)
      select 'chain-' || n, ${shopId}, n, 'cart-' || n, 'cart.abandoned', 'recovery', 1, 'everyone', 'active'
        from generate_series(${from}::int, ${to}::int) n`;
    await sql`
      insert into messages (id, key, shop_id, cart_id, customer_id, recipient, step, template_id, template_version,
                            campaign_id, workflow_id, status, message_id_header)
      select gen_random_uuid(), 'reminder-' || n, ${shopId}, 'cart-' || n, n, 'o''brien-' || n || '@example.com',
             'reminder', 'cart-reminder', 'v1', 'recovery', 'chain-' || n, 'sent', '<reminder-' || n || '@cartflow>'
        from generate_series(${from}::int, ${to}::int) n`;
  });
}

function stepFactsOf(db: Db, n: number) {
  return loadStepFacts(db, {
    shopId,
    cartId: `cart-${n}`,
    workflowId: `chain-${n}`,
    email: `o'brien-${n}@example.com`,
    key: `second-${n}`,
    trigger: 'cart.abandoned',
    category: 'cart',
    enteredAt: new Date(0),
    sendsSince: new Date(0),
    withLastChainEnd: true,
    withLatestCode: true,
  });
}

describe('the send tables of a young install', () => {
  it('after the first burst of steps, a step’s facts scan none of the tables it grew from start to end', async () => {
    const { db } = connection;
    const statistics = (group: TableGroup) =>
      createYoungTableStatistics({
        tables: postgresTables(database.db, group),
        name: group.name,
        logger: pino({ level: 'silent' }),
      });
    const intake = statistics(INTAKE_TABLES);
    const steps = statistics(STEP_TABLES);
    // The shop's first test carts and their emails, then autovacuum's ANALYZE.
    await addCarts(1, 60);
    await addFirstSteps(1, 60);
    await database.sql`analyze`;
    // The shop's traffic: 2,000 carts, counted by the server's intake.
    for (let from = 61; from <= 2_060; from += 100) {
      await addCarts(from, from + 99);
      intake.added(100);
      await intake.idle();
    }
    // An hour later their first steps fall due. The worker's connection plans the facts statement
    // (a generic plan after five runs) while chains and messages still hold the test's few rows.
    for (let n = 1; n <= 10; n += 1) await stepFactsOf(db, n);
    for (let from = 61; from <= 2_060; from += 100) {
      await addFirstSteps(from, from + 99);
      steps.added(100);
      await steps.idle();
    }
    const plans = await connection.record(async () => {
      for (let n = 1_000; n < 1_010; n += 1) {
        expect((await stepFactsOf(db, n)).customer).not.toBeNull();
      }
    });

    expect(plans.length).toBeGreaterThan(0);
    // Without the steps' statistics, every step scanned chains and messages whole.
    const grown = ['customers', 'carts', 'chains', 'messages'];
    expect(sequentialScans(plans).filter((table) => grown.includes(table))).toEqual([]);
  });
});
