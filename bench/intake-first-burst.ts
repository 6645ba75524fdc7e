import { mkdtemp } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import postgres from 'postgres';
import { openDatabase } from '../db/client';
import { Campaign } from '../domain/campaign';
import { createCartWorkflows } from '../server/cart-workflows';
import { benchCampaignFile, createBenchApp } from './bench-app';
import { benchNumber, machineLine } from './bench-env';
import { freePort, quantile, script } from './chains-support';
import { cartUpdatedBody } from './intake-body';
import { signatureHeader } from '../signing/webhook-signature';
import { runShop } from './intake-shop';

// A new install's first burst: the intake tables hold a shop's first few test webhooks and
// PostgreSQL has analysed them at that size (autovacuum does after 50 changed rows), then the
// shop's traffic arrives. Prints webhooks/s for each of ROUNDS bursts of BURST_S seconds back to
// back, and the sequential scans of `carts` and `customers` each burst made. Real PostgreSQL
// (durable, scripts/test-postgres.sh), the production HTTP app, the presigned shop; no Temporal
// (no relay runs: the events stay in the outbox).
//   ROUNDS=6 BURST_S=5 CONCURRENCY=32 TEST_WEBHOOKS=60

const ROUNDS = benchNumber('ROUNDS', 6);
const BURST_MS = benchNumber('BURST_S', 5) * 1000;
const CONCURRENCY = benchNumber('CONCURRENCY', 32);
const TEST_WEBHOOKS = benchNumber('TEST_WEBHOOKS', 60);
const secret = 'bench-webhook-secret-0123456789';
const runId = Date.now().toString(36);

const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-bench-first-burst-pg-'));
const adminUrl = await script('test-postgres.sh', ['start', dir, String(await freePort())], {
  TEST_POSTGRES_DURABLE: '1',
});
try {
  const url = new URL(adminUrl);
  url.pathname = '/postgres';
  const database = await openDatabase({ url: url.toString() });
  await database.migrate();
  const workflows = createCartWorkflows({
    // No relay runs here, so nothing asks Temporal.
    client: {} as Client,
    taskQueue: 'bench-first-burst',
    abandonAfterMs: 3_600_000,
    campaigns: [Campaign.parse(benchCampaignFile)],
  });
  const app = createBenchApp({
    db: database.db,
    workflows,
    relay: { wake() {} },
    shopId: 'bench-first-burst',
    secret,
    logger: pino({ level: 'warn' }),
  });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/cart`;
  const observer = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const seqScans = async () => {
    // Another backend's counts reach the view when it next reports them (at most a second later).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await observer`select pg_stat_clear_snapshot()`;
    const rows = await observer<Array<{ relname: string; seq_scan: number; n_live_tup: number }>>`
      select relname, seq_scan::int, n_live_tup::int from pg_stat_user_tables where relname in ('carts', 'customers')`;
    return Object.fromEntries(rows.map((row) => [row.relname, row.seq_scan]));
  };

  // The shop's first test webhooks, one at a time, then autovacuum's ANALYZE of tables that small.
  for (let n = 0; n < TEST_WEBHOOKS; n += 1) {
    const body = cartUpdatedBody(`${runId}-test`, n);
    const signature = signatureHeader({ secret, body, timestampSeconds: Math.floor(Date.now() / 1000) });
    const answer = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cartflow-signature': signature },
      body,
    });
    if (answer.status !== 202) throw new Error(`test webhook ${n}: ${answer.status} ${await answer.text()}`);
  }
  await database.db.execute(sql`analyze cart_events, outbox, carts, customers`);
  const [{ tuples } = { tuples: 0 }] = await observer<Array<{ tuples: number }>>`
    select reltuples::int as tuples from pg_class where relname = 'cart_events'`;
  console.log(machineLine());
  console.log(`after the test webhooks: cart_events analysed at ${tuples} rows (TEST_WEBHOOKS=${TEST_WEBHOOKS})`);
  console.log('| burst | webhooks/s | p99 | seq scans of carts | of customers |');
  console.log('|---:|---:|---:|---:|---:|');
  let before = await seqScans();
  for (let round = 1; round <= ROUNDS; round += 1) {
    const report = await runShop({
      url: webhookUrl,
      secret,
      concurrency: CONCURRENCY,
      durationMs: BURST_MS,
      runId: `${runId}-${round}`,
    });
    const after = await seqScans();
    const sorted = report.latenciesMs.sort((a, b) => a - b);
    console.log(
      `| ${round} | ${((1000 * sorted.length) / report.elapsedMs).toFixed(0)} | ${quantile(sorted, 0.99).toFixed(1)} ms | ${(after.carts ?? 0) - (before.carts ?? 0)} | ${(after.customers ?? 0) - (before.customers ?? 0)} |`,
    );
    before = after;
  }
  await observer.end();
  await new Promise((resolve) => server.close(resolve));
  await database.close();
} finally {
  await script('test-postgres.sh', ['stop', dir]);
}
