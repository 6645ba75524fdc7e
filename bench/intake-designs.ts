import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import postgres from 'postgres';
import { type CartEventInput, storeCartEvents } from '../db/cart-store';
import { openDatabase } from '../db/client';
import { type StoreCartEvent, createGroupCommit } from '../db/group-commit';
import { Campaign } from '../domain/campaign';
import { CartEvent } from '../domain/events';
import { createCartWorkflows } from '../server/cart-workflows';
import { verifySignature } from '../signing/webhook-signature';
import { benchNumber, benchVariable, machineLine } from './bench-env';
import { benchCampaignFile, createBenchApp } from './bench-app';
import { freePort, quantile, script } from './chains-support';
import { runShop, shopKinds } from './intake-shop';
import { storeEventAndOutbox, storeEventOnly } from './intake-store-designs';
import { cpuMeter, postmasterOf } from './process-cpu';
import { rawInsertRate } from './raw-insert';

// `node --import tsx bench/intake-designs.ts`: how fast could a webhook be on this machine, and
// what would it take to reach half of the raw INSERT + COMMIT rate (issue #11's goal B)? Four
// servers, each answering the shop of bench:intake:
//   1. the product's app (Hono and its middleware, server/app.ts) with the product's store, which
//      writes the event, the customer, the cart snapshot and the outbox row (four tables,
//      db/cart-store.ts), as `npm start` answers a webhook today;
//   2. the least webhook server that still does a webhook's work (node:http, no framework or
//      middleware: read the body, check the HMAC, JSON.parse, zod's CartEvent, store through the
//      app's group commit, answer 202 with the event id) with the same store: the HTTP layer's share;
//   3. the least server writing the event and its outbox row only (the customer and the snapshot
//      left to the relay);
//   4. the least server writing the event row only (an event log the relay would read as its outbox).
// 3 and 4 are bench/intake-store-designs.ts, not product code. Rounds alternate the servers
// (ROUNDS=2 of DURATION_S=6 seconds each, CONCURRENCY=32 in flight), on a throwaway durable
// PostgreSQL (fsync, synchronous_commit and full_page_writes on). The raw limit (bench/raw-insert.ts)
// is measured before and after the rounds. CPU per webhook is given for this process (the server),
// the shop and PostgreSQL (its process tree, from /proc).

const DURATION_MS = benchNumber('DURATION_S', 6) * 1000;
const CONCURRENCY = benchNumber('CONCURRENCY', 32);
const ROUNDS = benchNumber('ROUNDS', 2);
// DESIGNS=1,3 runs only those servers (numbered as above), e.g. to profile one of them.
const ONLY = benchVariable('DESIGNS')?.split(',').map(Number);
const secret = 'bench-webhook-secret-0123456789';
const shopId = 'bench-designs';

type Db = Awaited<ReturnType<typeof openDatabase>>['db'];

const designs: Array<{ label: string; server: (db: Db) => http.Server }> = [
  { label: "the product's app (Hono, its middleware) and store, as `npm start` answers", server: productApp },
  {
    label: "the least server, the product's store: event, customer, cart snapshot, outbox",
    server: (db) => leastServer(createGroupCommit({ db, storeEvents: storeCartEvents })),
  },
  {
    label: 'the least server, event + outbox row',
    server: (db) => leastServer(createGroupCommit({ db, storeEvents: storeEventAndOutbox })),
  },
  {
    label: 'the least server, event row only (an event log)',
    server: (db) => leastServer(createGroupCommit({ db, storeEvents: storeEventOnly })),
  },
];

/**
 * The product's HTTP app as bench:intake runs it (rate limits off, no relay), for the framework's
 * and middleware's share. Its Temporal client never connects: a webhook only names its journeys.
 */
function productApp(db: Db): http.Server {
  const campaign = Campaign.parse(benchCampaignFile);
  const workflows = createCartWorkflows({
    client: new Client({ connection: Connection.lazy({ address: '127.0.0.1:7233' }) }),
    taskQueue: 'bench-designs',
    abandonAfterMs: 3_600_000,
    campaigns: [campaign],
  });
  const app = createBenchApp({
    db,
    workflows,
    relay: { wake() {} },
    shopId,
    secret,
    logger: pino({ level: 'warn' }),
  });
  return createAdaptorServer({ fetch: app.fetch }) as http.Server;
}

const answers = { new: 202, duplicate: 200, conflict: 409, cart_purchased: 202 } as const;

/** The least a webhook server can do and still check, validate and durably store each event. */
function leastServer(store: StoreCartEvent): http.Server {
  return http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = request.headers['cartflow-signature'];
      const signature = verifySignature({
        header: typeof header === 'string' ? header : undefined,
        body,
        secret,
        toleranceMs: 300_000,
        nowMs: Date.now(),
      });
      if (!signature.ok) return void response.writeHead(401).end();
      const payload = JSON.parse(body.toString()) as unknown;
      const parsed = CartEvent.safeParse(payload);
      if (!parsed.success) return void response.writeHead(400).end();
      const input: CartEventInput = { shopId, event: parsed.data, payload };
      store(input).then(
        (stored) =>
          response
            .writeHead(answers[stored.kind], { 'content-type': 'application/json' })
            .end(JSON.stringify({ status: stored.kind, eventId: parsed.data.id })),
        () => response.writeHead(503).end(),
      );
    });
  });
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-bench-designs-pg-'));
const url = await script('test-postgres.sh', ['start', dir, String(await freePort())], { TEST_POSTGRES_DURABLE: '1' });
const rows: string[] = [];
try {
  const database = await openDatabase({ url });
  await database.migrate();
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const [backend] = await admin<Array<{ pid: number }>>`select pg_backend_pid() as pid`;
  // Read while the backend lives: once it exits /proc no longer names its parent.
  const postgresCpu = cpuMeter({ postgres: await postmasterOf(backend?.pid ?? 0) });

  const measureRaw = async (when: string) => {
    await postgresCpu.start();
    const cpu0 = process.cpuUsage();
    const raw = await rawInsertRate(url, DURATION_MS);
    const cpu = process.cpuUsage(cpu0);
    const postgresMs = (await postgresCpu.since()).postgres;
    const perRow = (ms: number | undefined) => (ms === undefined ? '?' : ((ms * 1000) / raw.rows).toFixed(0));
    rows.push(
      `| raw single-row INSERT + COMMIT, 10 connections (${when}) | ${raw.perSecond.toFixed(0)}/s | | ${raw.p50.toFixed(1)} / ${raw.p99.toFixed(1)} ms | ${perRow((cpu.user + cpu.system) / 1000)} (client) | | ${perRow(postgresMs)} |`,
    );
    return raw.perSecond;
  };

  const limits = [await measureRaw('before the rounds')];
  const measured: Array<{ label: string; rate: number; line: (limit: number) => string }> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [index, { label: design, server: serverOf }] of designs.entries()) {
      if (ONLY && !ONLY.includes(index + 1)) continue;
      for (const kind of shopKinds()) {
        const label = shopKinds().length > 1 ? `${design} (${kind} shop)` : design;
        const server = serverOf(database.db);
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        await postgresCpu.start();
        const cpu0 = process.cpuUsage();
        const shop = await runShop(
          {
            url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/cart`,
            secret,
            concurrency: CONCURRENCY,
            durationMs: DURATION_MS,
            runId: `designs-${Date.now().toString(36)}-${round}`,
          },
          kind,
        );
        const cpu = process.cpuUsage(cpu0);
        const postgresMs = (await postgresCpu.since()).postgres;
        await new Promise((resolve) => server.close(resolve));
        const accepted = shop.statuses['202'] ?? 0;
        const rate = accepted / (shop.elapsedMs / 1000);
        const perEvent = (ms: number | undefined) => (ms === undefined ? '?' : ((ms * 1000) / accepted).toFixed(0));
        const others = Object.entries(shop.statuses).filter(([status]) => status !== '202');
        measured.push({
          label,
          rate,
          line: (limit) =>
            `| ${label}, round ${round} | ${rate.toFixed(0)}/s | **${((100 * rate) / limit).toFixed(0)} %** | ${quantile(shop.latenciesMs, 0.5).toFixed(1)} / ${quantile(shop.latenciesMs, 0.99).toFixed(1)} ms | ${perEvent((cpu.user + cpu.system) / 1000)} | ${perEvent(shop.cpuMs)} | ${perEvent(postgresMs)} |${others.length > 0 ? ` (also ${others.map(([s, n]) => `${n} × ${s}`).join(', ')})` : ''}`,
        });
      }
    }
  }
  limits.push(await measureRaw('after the rounds'));
  const limit = (limits[0]! + limits[1]!) / 2;
  rows.push(...measured.map(({ line }) => line(limit)));
  await admin.end();
  await database.close();
} finally {
  await script('test-postgres.sh', ['stop', dir]);
}

process.stdout.write(
  `${machineLine()}; ${CONCURRENCY} in flight, ${DURATION_MS / 1000} s per round; shop: ${shopKinds().join(', ')}\n\n` +
    '| design | accepted | of the raw rate (mean of the two raw runs) | p50 / p99 | server CPU per webhook (µs) | shop (µs) | PostgreSQL (µs) |\n' +
    `|---|---:|---:|---:|---:|---:|---:|\n${rows.join('\n')}\n`,
);
process.exit(0);
