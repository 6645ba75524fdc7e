import { execFile, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import postgres from 'postgres';
import { cartSearchAttributeKeys } from '../app/search-attributes';
import { startTemporalDevServer } from '../app/temporal-dev-server';
import { loadConfig } from '../config/env';
import { openDatabase } from '../db/client';
import { countUndelivered } from '../db/outbox-store';
import { Campaign } from '../domain/campaign';
import { createCartWorkflows } from '../server/cart-workflows';
import { createOutboxRelay, type OutboxWake } from '../server/outbox-relay';
import { freePort, quantile, root, script, sleep } from './chains-support';
import type { LoadReport } from './load-report';
import { runShop } from './intake-shop';
import { APP_POOL_SIZE, rawInsertRate } from './raw-insert';
import { benchNumber, benchVariable, childBenchEnv } from './bench-env';
import { benchCampaignFile, createBenchApp } from './bench-app';
import { cpuMeter, postmasterOf } from './process-cpu';

// `npm run bench:intake`: how many webhooks per second the durable intake accepts, and how fast the
// outbox relay hands them to Temporal. Five phases: the shop's load with no relay (what intake
// alone costs; the events queue up), a relay draining that backlog (outbox → Temporal), the same
// load with the relay running in the server, again with the relay in a process of its own
// (bench/intake-relay.ts, as `cartflow relay` beside OUTBOX_RELAY=off), and last with no relay
// again, on tables as large as the relay phases had them (the first phase's were empty). The limit,
// the raw single-row INSERT + COMMIT rate, is measured first and last. Every component is real
// and started here: PostgreSQL
// (DATABASE_URL as an admin URL, else scripts/test-postgres.sh), the Temporal dev server, the
// HTTP app with its running relay in this process, and the shop (bench/intake-load.ts) in another.
// No worker: the workflows the relay starts wait on their task queue; delivery is what is measured.
//   DURATION_S=15    seconds of sustained load, for the raw insert baseline and for the intake
//   CONCURRENCY=32   webhooks in flight (the baseline uses the app's pool size, 10 connections)
//   DURABLE=1        the throwaway cluster keeps PostgreSQL's durable defaults (fsync, synchronous_commit);
//                    0: the test suite's settings (both off)
//   OUTBOX_BUSY_RATE, OUTBOX_RELAY_NICE  how the relays yield to intake; default the product's (50/s,
//                    10): the relay in the server paces itself while webhooks arrive, the relay
//                    process also runs niced, as `cartflow relay` does
//   SERVER_PROCESSES=1  N > 1 adds a last phase: the HTTP app in N processes sharing one port
//                    (bench/intake-servers.ts, node:cluster) beside the relay process, as a shop
//                    runs several stateless servers
// Besides its own CPU the bench reads, on Linux, the CPU of the shop process, the PostgreSQL
// cluster (the postmaster's tree) and the Temporal dev server from /proc, and prints CPU per
// webhook for each (bench/process-cpu.ts): on 2 cores their sum × the rate is what must fit.
// Before each load phase it also measures the Temporal dev server idle for IDLE_S (3) seconds:
// work left over from an earlier phase (the drain's 40,000 starts) would show there, and is not
// the phase's own; and it gives the Temporal server's CPU per workflow start the relays made in
// each phase, beside the drain's.

const DURATION_MS = benchNumber('DURATION_S', 15) * 1000;
const CONCURRENCY = benchNumber('CONCURRENCY', 32);
const DURABLE = benchVariable('DURABLE') !== '0';
const IDLE_MS = benchNumber('IDLE_S', 3) * 1000;
// N > 1 adds a last phase: N server processes on one port (bench/intake-servers.ts) and the relay process.
const SERVER_PROCESSES = benchNumber('SERVER_PROCESSES', 1);
// The product's defaults unless the bench is told otherwise: how the relays yield to intake.
const relayDefaults = loadConfig({
  ...(benchVariable('OUTBOX_BUSY_RATE') ? { OUTBOX_BUSY_RATE: benchVariable('OUTBOX_BUSY_RATE') } : {}),
  ...(benchVariable('OUTBOX_RELAY_NICE') ? { OUTBOX_RELAY_NICE: benchVariable('OUTBOX_RELAY_NICE') } : {}),
});
const relayYield = relayDefaults.OUTBOX_BUSY_RATE;
const shopId = 'bench-intake';
const secret = 'bench-webhook-secret-0123456789';
const runId = Date.now().toString(36);
const run = promisify(execFile);

const started = performance.now();
const progress = (message: string) =>
  console.error(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
const cleanups: Array<() => Promise<unknown>> = [];

const campaign = Campaign.parse(benchCampaignFile);

async function startPostgres(): Promise<{ url: string; settings: string; postmaster: number | undefined }> {
  let adminUrl = benchVariable('DATABASE_URL');
  if (!adminUrl) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-bench-intake-pg-'));
    progress('throwaway PostgreSQL (scripts/test-postgres.sh) …');
    adminUrl = await script(
      'test-postgres.sh',
      ['start', dir, String(await freePort())],
      DURABLE ? { TEST_POSTGRES_DURABLE: '1' } : {},
    );
    cleanups.push(() => script('test-postgres.sh', ['stop', dir]));
  }
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const dbName = `cartflow_bench_intake_${runId}`;
  await admin.unsafe(`create database ${dbName}`);
  const [row] = await admin.unsafe<Array<{ settings: string }>>(
    "select string_agg(name || '=' || setting, ', ' order by name) as settings from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'server_version')",
  );
  cleanups.push(async () => {
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  });
  const [backend] = await admin.unsafe<Array<{ pid: number }>>('select pg_backend_pid() as pid');
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  return { url: url.toString(), settings: row?.settings ?? '', postmaster: await postmasterOf(backend?.pid ?? 0) };
}

/** `phase` keeps each run's event ids apart (the same id with another body is a 409). */
function shopLoad(url: string, phase: string): Promise<LoadReport> {
  return runShop({ url, secret, concurrency: CONCURRENCY, durationMs: DURATION_MS, runId: `${runId}-${phase}` });
}

async function main() {
  const commit = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: root })).stdout.trim();
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    load: os.loadavg().map((v) => v.toFixed(2)),
  };
  const pg = await startPostgres();
  const database = await openDatabase({ url: pg.url });
  cleanups.push(() => database.close());
  await database.migrate();

  progress(`raw INSERT + COMMIT for ${DURATION_MS / 1000} s …`);
  const rawPostgres = cpuMeter({ postgres: benchVariable('DATABASE_URL') ? undefined : pg.postmaster });
  await rawPostgres.start();
  const rawCpu0 = process.cpuUsage();
  const raw = await rawInsertRate(pg.url, DURATION_MS);
  const rawCpu = process.cpuUsage(rawCpu0);
  const rawPostgresMs = (await rawPostgres.since()).postgres;
  const perRawRow = (ms: number | undefined) => (ms === undefined ? '?' : (ms / Math.max(1, raw.rows)).toFixed(2));

  progress('Temporal dev server …');
  const cliPath = await script('temporal-cli.sh');
  const temporal = await startTemporalDevServer({
    binary: cliPath,
    searchAttributes: cartSearchAttributeKeys,
    sqlitePragmas: { journal_mode: 'WAL', synchronous: 'OFF' },
    logLevel: 'error',
    startTimeoutMs: 120_000,
  });
  cleanups.push(() => temporal.teardown());
  // Only on this machine: a DATABASE_URL elsewhere has no process here to read.
  const otherPids = {
    postgres: benchVariable('DATABASE_URL') ? undefined : pg.postmaster,
    temporal: temporal.pid,
  };
  const others = cpuMeter(otherPids);
  const logger = pino({ level: 'warn' });
  const workflows = createCartWorkflows({
    client: temporal.client,
    taskQueue: `bench-intake-${runId}`,
    abandonAfterMs: 3_600_000,
    campaigns: [campaign],
  });
  // The app wakes whichever relay runs: none in the first phase, so what the shop sends queues up.
  let running: OutboxWake = { wake() {} };
  const app = createBenchApp({
    db: database.db,
    workflows,
    relay: { wake: () => running.wake() },
    shopId,
    secret,
    logger,
  });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/cart`;

  progress(`webhooks for ${DURATION_MS / 1000} s, ${CONCURRENCY} in flight, no relay …`);
  const idleBefore: Record<string, number | undefined> = {};
  idleBefore.alone = await temporalIdleCores(otherPids.temporal);
  const alone = await measureShop(webhookUrl, 'alone', others);
  const backlog = await countUndelivered(database.db);
  progress(`a relay drains the ${backlog} events they left in the outbox …`);
  const drainer = createOutboxRelay({ db: database.db, workflows, logger });
  const drain0 = performance.now();
  const drainCpu0 = process.cpuUsage();
  await others.start();
  while ((await countUndelivered(database.db)) > 0) await drainer.drain();
  const drainCpu = process.cpuUsage(drainCpu0);
  const drainOthers = await others.since();
  const relayRate = backlog / ((performance.now() - drain0) / 1000);
  const relayCpuMs = (drainCpu.user + drainCpu.system) / 1000 / Math.max(1, backlog);

  progress(`webhooks for ${DURATION_MS / 1000} s, ${CONCURRENCY} in flight, relay running …`);
  const relay = createOutboxRelay({ db: database.db, workflows, logger, relayYield });
  await vacuumLeftovers(database.db);
  idleBefore.relay = await temporalIdleCores(otherPids.temporal);
  relay.start();
  running = relay;
  const withRelay = await measureShop(webhookUrl, 'relay', others);
  const behind = await countUndelivered(database.db);
  const catchUp0 = performance.now();
  while ((await countUndelivered(database.db)) > 0) await relay.drain();
  const catchUpS = (performance.now() - catchUp0) / 1000;
  await relay.stop();

  progress(`webhooks for ${DURATION_MS / 1000} s, ${CONCURRENCY} in flight, relay in its own process …`);
  running = { wake() {} }; // as OUTBOX_RELAY=off: the server only stores
  await vacuumLeftovers(database.db);
  idleBefore.separate = await temporalIdleCores(otherPids.temporal);
  const separate = await startRelayProcess({ url: pg.url, temporalAddress: temporal.address });
  const withSeparateRelay = await measureShop(webhookUrl, 'separate', cpuMeter({ ...otherPids, relay: separate.pid }));
  const behindSeparate = await countUndelivered(database.db);
  const separate0 = performance.now();
  while ((await countUndelivered(database.db)) > 0) await sleep(50);
  const separateCatchUpS = (performance.now() - separate0) / 1000;
  const separateRelay = await separate.stop();
  if (SERVER_PROCESSES > 1) await vacuumLeftovers(database.db);
  const cluster = SERVER_PROCESSES > 1 ? await measureServerProcesses() : undefined;

  // The first phase ran on empty tables, the relay phases on tables that hold every earlier phase's
  // events: intake alone once more, on the tables as the relay phases had them, tells the two apart.
  progress(`webhooks for ${DURATION_MS / 1000} s, ${CONCURRENCY} in flight, no relay again …`);
  await vacuumLeftovers(database.db);
  const aloneAgain = await measureShop(webhookUrl, 'alone-again', others);
  // The raw rate drifted by 6-8 % within one run on this session's VM (and from 12,500/s to 15,000/s
  // between runs): the limit is the mean of one measured first and one measured last.
  progress(`raw INSERT + COMMIT again for ${DURATION_MS / 1000} s …`);
  const rawAgain = await rawInsertRate(pg.url, DURATION_MS);
  const limit = (raw.perSecond + rawAgain.perSecond) / 2;
  /**
   * As the phase before, with the HTTP app in SERVER_PROCESSES processes of its own instead of this
   * one (bench/intake-servers.ts): their CPU, read from /proc, stands in the server column.
   */
  async function measureServerProcesses(): Promise<ShopFigures> {
    progress(
      `webhooks for ${DURATION_MS / 1000} s, ${CONCURRENCY} in flight, ${SERVER_PROCESSES} server processes and the relay process …`,
    );
    const servers = await startServerProcesses({ url: pg.url, temporalAddress: temporal.address });
    const relayProcess = await startRelayProcess({ url: pg.url, temporalAddress: temporal.address });
    const meter = cpuMeter({ ...otherPids, relay: relayProcess.pid, servers: servers.pid });
    const figures = await measureShop(`http://127.0.0.1:${servers.port}/webhooks/cart`, 'servers', meter);
    while ((await countUndelivered(database.db)) > 0) await sleep(50);
    await relayProcess.stop();
    await servers.stop();
    return figures;
  }
  const sqlCheck = postgres(pg.url, { max: 1, onnotice: () => {} });
  const [{ stored } = { stored: 0 }] = await sqlCheck<
    Array<{ stored: number }>
  >`select count(*)::int as stored from cart_events`;
  await sqlCheck.end();

  const perDrained = (ms: number | undefined) => (ms === undefined ? '?' : (ms / Math.max(1, backlog)).toFixed(2));
  const outage = (arrivalsPerSecond: number) => {
    const queued = arrivalsPerSecond * 600;
    return relayRate > arrivalsPerSecond ? (queued / (relayRate - arrivalsPerSecond)).toFixed(0) : '∞';
  };
  const row = (label: string, shop: ShopFigures) =>
    `| webhooks, ${CONCURRENCY} in flight, ${label} | ${shop.rate.toFixed(0)}/s = ${((100 * shop.rate) / limit).toFixed(0)} % of the limit | ${shop.p50.toFixed(1)} / ${shop.p99.toFixed(1)} ms | ${shop.cpuMs.toFixed(2)} ms | ${shop.answers} |`;
  const lines = [
    `commit ${commit}; ${new Date().toISOString()}; ${machine.cpu}, ${machine.cores} cores; load average before ${machine.load.join(' ')}`,
    `PostgreSQL ${pg.settings}${benchVariable('DATABASE_URL') ? ' (DATABASE_URL)' : ' (throwaway cluster)'}`,
    '',
    '| measure | rate | p50 / p99 | server CPU per event | answers |',
    '|---|---|---|---|---|',
    `| raw single-row INSERT + COMMIT, ${APP_POOL_SIZE} connections, first | ${raw.perSecond.toFixed(0)}/s | ${raw.p50.toFixed(1)} / ${raw.p99.toFixed(1)} ms | | |`,
    `| raw single-row INSERT + COMMIT, ${APP_POOL_SIZE} connections, last | ${rawAgain.perSecond.toFixed(0)}/s | ${rawAgain.p50.toFixed(1)} / ${rawAgain.p99.toFixed(1)} ms | | |`,
    `| the limit: the mean of the two | ${limit.toFixed(0)}/s | | | |`,
    row('no relay', alone),
    row('relay running in the server', withRelay),
    row('relay in its own process', withSeparateRelay),
    row('no relay, again (on the tables the relay phases left)', aloneAgain),
    ...(cluster ? [row(`${SERVER_PROCESSES} server processes + relay in its own process`, cluster)] : []),
    `| relay: ${backlog} stored events drained, outbox → Temporal | ${relayRate.toFixed(0)}/s | | ${relayCpuMs.toFixed(2)} ms | |`,
    '',
    `With the relay running in the server it was ${behind} events behind when the load stopped and caught up ${catchUpS.toFixed(1)} s later.`,
    `With the relay in its own process it was ${behindSeparate} behind and caught up ${separateCatchUpS.toFixed(1)} s later; that process used ${separateRelay.cpuMs.toFixed(0)} ms of CPU (${(separateRelay.cpuMs / Math.max(1, withSeparateRelay.accepted)).toFixed(2)} ms per event).`,
    `${stored} events stored in all.`,
    `Draining a 10-minute Temporal outage's backlog while events keep arriving at 10/s: ${outage(10)} s; at 100/s: ${outage(100)} s.`,
    '',
    `CPU per accepted webhook in each process on this machine (ms; ${machine.cores} cores give ${machine.cores * 1000} ms per second, so the sum × the rate is the cores used):`,
    '',
    '| phase | server (bench process) | shop (load generator) | PostgreSQL | Temporal dev server | relay process | sum | cores used |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    cpuRow('no relay', alone),
    cpuRow('relay running in the server', withRelay),
    cpuRow('relay in its own process', withSeparateRelay),
    cpuRow('no relay, again', aloneAgain),
    ...(cluster ? [cpuRow(`${SERVER_PROCESSES} server processes + relay in its own process`, cluster)] : []),
    `| raw INSERT + COMMIT, per row (the limit's own cost) | ${perRawRow((rawCpu.user + rawCpu.system) / 1000)} (postgres.js client) | | ${perRawRow(rawPostgresMs)} | | | | |`,
    `| relay draining the backlog, per event | ${relayCpuMs.toFixed(2)} | | ${perDrained(drainOthers.postgres)} | ${perDrained(drainOthers.temporal)} | | | |`,
    '',
    `The Temporal dev server idle for ${IDLE_MS / 1000} s just before each load phase (leftover work from earlier phases would show here), and its CPU per workflow start the relays made during the phase (the events accepted minus those still waiting when the load stopped), beside the drain's ${perDrained(drainOthers.temporal)} ms:`,
    '',
    '| phase | Temporal idle before it (cores) | workflow starts during the load | Temporal CPU per start (ms) |',
    '|---|---:|---:|---:|',
    startsRow('no relay', idleBefore.alone, alone, 0),
    startsRow('relay running in the server', idleBefore.relay, withRelay, withRelay.accepted - behind),
    startsRow(
      'relay in its own process',
      idleBefore.separate,
      withSeparateRelay,
      withSeparateRelay.accepted - behindSeparate,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The phase before updated every delivered event's outbox and cart_events rows: autovacuum would
 * clean up after it during the next phase, on PostgreSQL's CPU. That is the earlier phase's work,
 * so it is done before the clock starts, as the Temporal server's leftovers are measured apart.
 * It also leaves the statistics of a quiet outbox (every event delivered) for the burst that
 * follows: the state in which the relay's claim once stalled (test/integration/outbox-claim-plan.test.ts).
 */
async function vacuumLeftovers(db: Parameters<typeof countUndelivered>[0]): Promise<void> {
  await db.execute(sql`vacuum analyze outbox, cart_events, carts, customers`);
}

/** The Temporal dev server's CPU over IDLE_MS with nothing sent to it, in cores; undefined when unreadable. */
async function temporalIdleCores(pid: number | undefined): Promise<number | undefined> {
  const meter = cpuMeter({ temporal: pid });
  await meter.start();
  await sleep(IDLE_MS);
  const { temporal } = await meter.since();
  return temporal === undefined ? undefined : temporal / IDLE_MS;
}

function startsRow(label: string, idleCores: number | undefined, shop: ShopFigures, starts: number): string {
  const idle = idleCores === undefined ? '?' : idleCores.toFixed(3);
  const perStart =
    starts > 0 && shop.temporalCpuMs !== undefined ? ((shop.temporalCpuMs * shop.accepted) / starts).toFixed(2) : '–';
  return `| ${label} | ${idle} | ${Math.max(0, starts)} | ${perStart} |`;
}

/** One phase's CPU per webhook by process; a process not measured (not on this machine, not Linux) is "?". */
function cpuRow(label: string, shop: ShopFigures): string {
  const parts = [shop.cpuMs, shop.shopCpuMs, shop.postgresCpuMs, shop.temporalCpuMs, shop.relayCpuMs];
  const cell = (ms: number | undefined) => (ms === undefined ? '?' : ms.toFixed(2));
  const sum = parts.reduce<number>((total, ms) => total + (ms ?? 0), 0);
  const relayCell = shop.relayCpuMs === undefined && label !== 'relay in its own process' ? '' : cell(shop.relayCpuMs);
  return `| ${label} | ${cell(shop.cpuMs)} | ${cell(shop.shopCpuMs)} | ${cell(shop.postgresCpuMs)} | ${cell(shop.temporalCpuMs)} | ${relayCell} | ${sum.toFixed(2)} | ${((sum * shop.rate) / 1000).toFixed(2)} |`;
}

interface ShopFigures {
  rate: number;
  p50: number;
  p99: number;
  /** CPU of this process (HTTP, store, and the relay with its Temporal client when it runs) per accepted webhook. */
  cpuMs: number;
  accepted: number;
  answers: string;
  /** The shop process's (bench/intake-load.ts), PostgreSQL's and the Temporal dev server's CPU per accepted webhook. */
  shopCpuMs: number | undefined;
  postgresCpuMs: number | undefined;
  temporalCpuMs: number | undefined;
  /** The relay process's, in the phase where it runs in one of its own. */
  relayCpuMs?: number | undefined;
}

/** bench/intake-servers.ts: SERVER_PROCESSES HTTP servers sharing one port (node:cluster). */
async function startServerProcesses({ url, temporalAddress }: { url: string; temporalAddress: string }) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/intake-servers.ts')], {
    cwd: root,
    env: childBenchEnv({
      SERVER_PROCESSES: String(SERVER_PROCESSES),
      DATABASE_URL: url,
      TEMPORAL_ADDRESS: temporalAddress,
      TASK_QUEUE: `bench-intake-${runId}`,
      CAMPAIGN: JSON.stringify(benchCampaignFile),
      SHOP_ID: shopId,
      SECRET: secret,
    }),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let ready: RegExpMatchArray | null = null;
  while (!(ready = /READY (\d+)/.exec(out))) {
    if (child.exitCode !== null) throw new Error(`server processes exited ${child.exitCode}`);
    await sleep(50);
  }
  return {
    pid: child.pid,
    port: Number(ready[1]),
    async stop(): Promise<void> {
      child.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`server processes exited ${code}`);
    },
  };
}

/** bench/intake-relay.ts: a relay in a process of its own; stop() returns the CPU it used. */
async function startRelayProcess({ url, temporalAddress }: { url: string; temporalAddress: string }) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/intake-relay.ts')], {
    cwd: root,
    env: childBenchEnv({
      DATABASE_URL: url,
      TEMPORAL_ADDRESS: temporalAddress,
      TASK_QUEUE: `bench-intake-${runId}`,
      CAMPAIGN: JSON.stringify(benchCampaignFile),
      OUTBOX_BUSY_RATE: relayYield === 'off' ? 'off' : `${relayYield.busyRate}/s`,
      OUTBOX_RELAY_NICE: String(relayDefaults.OUTBOX_RELAY_NICE),
    }),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  while (!out.includes('READY')) {
    if (child.exitCode !== null) throw new Error(`relay process exited ${child.exitCode}`);
    await sleep(50);
  }
  return {
    pid: child.pid,
    async stop(): Promise<{ cpuMs: number }> {
      child.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`relay process exited ${code}`);
      return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { cpuMs: number };
    },
  };
}

async function measureShop(url: string, phase: string, others: ReturnType<typeof cpuMeter>): Promise<ShopFigures> {
  await others.start();
  const cpu0 = process.cpuUsage();
  const shop = await shopLoad(url, phase);
  const cpu = process.cpuUsage(cpu0);
  const otherMs = await others.since();
  const accepted = shop.statuses['202'] ?? 0;
  const perEvent = (ms: number | undefined) => (ms === undefined ? undefined : ms / Math.max(1, accepted));
  return {
    shopCpuMs: perEvent(shop.cpuMs),
    postgresCpuMs: perEvent(otherMs.postgres),
    temporalCpuMs: perEvent(otherMs.temporal),
    relayCpuMs: perEvent(otherMs.relay),
    rate: accepted / (shop.elapsedMs / 1000),
    p50: quantile(shop.latenciesMs, 0.5),
    p99: quantile(shop.latenciesMs, 0.99),
    // The servers' processes when the app runs in them (the last phase), else this process's.
    cpuMs: perEvent(otherMs.servers) ?? (cpu.user + cpu.system) / 1000 / Math.max(1, accepted),
    accepted,
    answers: Object.entries(shop.statuses)
      .map(([status, count]) => `${count} × ${status}`)
      .join(', '),
  };
}

try {
  await main();
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}
process.exit(0);
