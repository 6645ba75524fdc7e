import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../db/client';
import { claimDueEventsStatement } from '../../db/outbox-store';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

// A burst leaves tens of thousands of events waiting while a yielding relay claims a few ten times
// a second, and delivered rows stay for a week. Each claim must read about its batch, not the
// whole outbox: before outbox_due_idx it read every undelivered row and looked for an earlier one
// of each, and the backlog's size became Postgres CPU taken from every webhook (BENCHMARKS.md).
/** Delivered events (a week's, kept for the retention), one per cart, as a shop's carts send. */
function deliveredHistory(on: TestDatabase, shopId: string) {
  return on.sql`
    insert into outbox (shop_id, event_id, cart_id, event, delivered_at)
    select ${shopId}, 'delivered-' || n, 'cart-' || n, '{}'::jsonb, now() - interval '1 hour'
      from generate_series(1, 30000) n`;
}

/** A burst's backlog: 20,000 events waiting, one per cart. */
function burst(on: TestDatabase, shopId: string) {
  return on.sql`
    insert into outbox (shop_id, event_id, cart_id, event)
    select ${shopId}, 'waiting-' || n, 'cart-O''Brien-Zoë-' || n, '{}'::jsonb from generate_series(1, 20000) n`;
}

/** Rows a plan's nodes read: returned on every loop, and read but filtered out. */
function rowsRead(nodes: PlanNode[]): number {
  return nodes.reduce(
    (sum, node) =>
      sum + (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1) + (node['Rows Removed by Filter'] ?? 0),
    0,
  );
}

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await deliveredHistory(database, 'shop-claim');
  await burst(database, 'shop-claim');
  await database.sql`analyze outbox`;
}, 120_000);
afterAll(() => database?.drop());

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Alias?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

describe('the relay’s claim with a large backlog', () => {
  it('reads about one batch of rows, through the undelivered rows’ index', async () => {
    // EXPLAIN ANALYZE runs the claim: five rows are claimed, as a relay's batch would be.
    const result = await database.db.execute(
      sql`explain (analyze, format json) ${claimDueEventsStatement({ limit: 5, leaseMs: 60_000 })}`,
    );
    const [row] = rowsOf<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(result);
    const nodes = nodesOf(row?.['QUERY PLAN'][0]?.Plan as PlanNode);
    const candidates = nodes.filter((node) => node.Alias === 'd');
    expect(candidates.map((node) => node['Index Name'])).toContain('outbox_due_idx');
    // Five claimed; 20,000 read without the index.
    expect(rowsRead(candidates)).toBeGreaterThanOrEqual(5);
    expect(rowsRead(candidates)).toBeLessThan(100);
    const [claimed] = await database.sql`select count(*)::int as n from outbox where attempts = 1`;
    expect(claimed?.n).toBe(5);
  });

  it('keeps that plan when PostgreSQL plans it once for every run (the generic plan of a prepared statement)', async () => {
    // postgres.js prepares the claim; after five runs PostgreSQL may keep a generic plan, which
    // does not see values bound to parameters. With the LIMIT bound, it guessed 2,000 of the
    // 20,000 waiting rows and hash-joined them against the whole outbox (a sequential scan).
    const { sql: text, params } = new PgDialect().sqlToQuery(claimDueEventsStatement({ limit: 5, leaseMs: 60_000 }));
    const bound = params.length > 0 ? `(${params.map(Number).join(', ')})` : '';
    const connection = await database.sql.reserve();
    try {
      await connection.unsafe('set plan_cache_mode = force_generic_plan');
      await connection.unsafe(
        `prepare claim${params.length > 0 ? `(${params.map(() => 'int').join(', ')})` : ''} as ${text}`,
      );
      const [row] = await connection.unsafe<Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>>(
        `explain (analyze, format json) execute claim${bound}`,
      );
      const nodes = nodesOf(row?.['QUERY PLAN'][0]?.Plan as PlanNode);
      expect(nodes.filter((node) => node['Node Type'] === 'Seq Scan').map((node) => node.Alias)).toEqual([]);
      expect(nodes.filter((node) => node.Alias === 'd').map((node) => node['Index Name'])).toContain('outbox_due_idx');
    } finally {
      await connection.unsafe('deallocate all');
      await connection.unsafe('reset plan_cache_mode');
      connection.release();
    }
  });
});

describe('the relay’s claim when a burst follows a quiet spell', () => {
  // A quiet shop: every event delivered, and autovacuum's ANALYZE saw none waiting. Then a burst
  // that no ANALYZE has seen yet. PostgreSQL took the undelivered rows' (partial) indexes for empty
  // and checked each candidate for an earlier event of its cart by walking all of them: in
  // `npm run bench:intake` one claim of five ran for more than nine minutes on a PostgreSQL core.
  let quiet: TestDatabase;
  beforeAll(async () => {
    quiet = await createTestDatabase();
    await deliveredHistory(quiet, 'shop-quiet');
    await quiet.sql`vacuum analyze outbox`;
    await burst(quiet, 'shop-quiet');
  }, 120_000);
  afterAll(() => quiet?.drop());

  it('looks for a cart’s earlier event through that cart’s rows, a few rows per candidate', async () => {
    const result = await quiet.db.execute(
      sql`explain (analyze, format json) ${claimDueEventsStatement({ limit: 5, leaseMs: 60_000 })}`,
    );
    const [row] = rowsOf<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(result);
    const probes = nodesOf(row?.['QUERY PLAN'][0]?.Plan as PlanNode).filter((node) => node.Alias === 'earlier');
    expect(probes.map((node) => node['Index Name'])).toEqual(['outbox_cart_idx']);
    // Walking the waiting rows read 5 × 20,000.
    expect(rowsRead(probes)).toBeLessThan(100);
    const [claimed] = await quiet.sql`select count(*)::int as n from outbox where attempts = 1`;
    expect(claimed?.n).toBe(5);
  });
});
