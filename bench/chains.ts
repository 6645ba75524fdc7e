import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import proto from '@temporalio/proto';
import pino from 'pino';
import postgres from 'postgres';
import { signatureHeader } from '../signing/webhook-signature';
import { cartSearchAttributeKeys } from '../app/search-attributes';
import { startTemporalDevServer } from '../app/temporal-dev-server';
import { openDatabase } from '../db/client';
import { Campaign } from '../domain/campaign';
import { cartWorkflowId } from '../domain/ids';
import { startSmtpSink } from '../mail/smtp-sink';
import { createCartWorkflows } from '../server/cart-workflows';
import { createOutboxRelay } from '../server/outbox-relay';
import { cartStateQuery } from '../workflows/definitions';
import { type AttributionVariant, attributionVariants } from './chains-attribution';
import type { WorkerReport } from './chains-worker';
import {
  type HistorySummary,
  cpuByGroup,
  cpuByThread,
  freePort,
  historyOf,
  kib,
  mapLimit,
  mib,
  quantile,
  script,
  shell,
  sleep,
  startWorkerProcess,
  type WorkerProcess,
} from './chains-support';
import { benchNumber, benchVariable } from './bench-env';
import { createBenchApp } from './bench-app';

// `npm run bench:chains`: what a campaign chain costs in Temporal, how many carts per second go
// through complete chains on the dev server, and the worker's memory with carts parked on timers.
// Every component is real and started here: the Temporal dev server (scripts/temporal-cli.sh),
// PostgreSQL (DATABASE_URL as an admin URL, else scripts/test-postgres.sh), an SMTP sink, the HTTP
// app in this process and the worker in a forked process (bench/chains-worker.ts).
//   CARTS=300         carts through complete chains (and as many baseline workflows)
//   CONCURRENCY=50    webhooks / workflow starts in flight
//   PARKED=10000      carts parked on their 1 h abandonment timer for the memory figure
//   PARKED_BUDGET_S=300  stop parking more carts after this long (reports what it reached)
//   CHECKPOINTS=4     memory readings while parking (evenly spaced); more keeps a budget-cut run useful
//   CACHE_VARIANT=1   also park PARKED carts on a worker whose cache holds them all
//   PHASES=chains,memory  `chains`: history events and throughput with baselines; `memory`: parked carts;
//                     `attribution` (with `chains`): same-shape variants that add one thing of the chain each
//   IDLE_S=5          each process's idle CPU is measured this long, to report CPU net of it too
//   BENCH_WORKER_CPU_PROF=<dir>  each worker process writes a V8 CPU profile there when it exits

const CARTS = benchNumber('CARTS', 300);
const CONCURRENCY = benchNumber('CONCURRENCY', 50);
const PARKED = benchNumber('PARKED', 10_000);
const PARKED_BUDGET_MS = benchNumber('PARKED_BUDGET_S', 300) * 1000;
const CHECKPOINTS = Math.max(1, benchNumber('CHECKPOINTS', 4));
const CACHE_VARIANT = benchVariable('CACHE_VARIANT') === '1';
const IDLE_MS = benchNumber('IDLE_S', 5) * 1000;
const PHASES = new Set((benchVariable('PHASES') ?? 'chains,memory').split(','));

const shopId = 'bench';
const secret = 'bench-webhook-secret-0123456789';
const runId = Date.now().toString(36);
const ABANDON_MS = 1_000;
const STEP_DELAYS = ['1s', '2s', '2s'] as const;
const STEP_DELAYS_MS = [1_000, 2_000, 2_000];
/** The least a chain can take: abandonment, then each step's delay. */
const CHAIN_FLOOR_MS = ABANDON_MS + STEP_DELAYS_MS.reduce((sum, ms) => sum + ms, 0);
const PARK_ABANDON_MS = 60 * 60 * 1000;

/** The shipped consumer chain (reminder, 10 % code, last chance) with second-scale delays. */
const campaign = Campaign.parse({
  id: 'bench-consumer',
  version: 1,
  name: 'Bench consumers',
  priority: 100,
  trigger: 'cart.abandoned',
  audience: 'everyone',
  quietHours: 'none',
  frequency: { minGap: '1s', maxPer7Days: 10, maxDeferral: '1h' },
  steps: [
    { id: 'reminder', delay: STEP_DELAYS[0], template: 'cart-reminder' },
    {
      id: 'incentive',
      delay: STEP_DELAYS[1],
      template: 'cart-reminder',
      incentive: { type: 'percent', value: 10, validFor: '3d' },
    },
    { id: 'last-chance', delay: STEP_DELAYS[2], template: 'cart-reminder' },
  ],
});

const started = performance.now();
const progress = (message: string) =>
  console.error(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);

/** A `cart.updated` webhook; every cart has its own customer (one customer's carts would cap each other). */
function cartEvent(tag: string, index: number) {
  return {
    id: `evt-${runId}-${tag}-${index}`,
    type: 'cart.updated',
    data: {
      id: `${runId}-${tag}-${index}`,
      currency: 'EUR',
      items: [
        {
          sku: 'TEE-BLK-M',
          name: 'Organic cotton T-shirt',
          quantity: 2,
          unitPrice: '19.90',
          imageUrl: 'https://shop.example.com/img/tee.jpg',
        },
        { sku: 'MUG-01', name: 'Enamel mug', quantity: 1, unitPrice: '12.50' },
      ],
      total: '52.30',
      recoveryUrl: 'https://shop.example.com/cart/recover?token=t0k3n',
      customer: {
        email: `${tag}-${index}-${runId}@bench.example.com`,
        name: 'Ada',
        locale: 'en',
        timeZone: 'UTC',
        marketingConsent: true,
      },
      updatedAt: new Date().toISOString(),
    },
  };
}

function orderEvent(cartId: string) {
  return {
    id: `evt-${runId}-order-${cartId}`,
    type: 'order.placed',
    data: { cartId, orderId: `order-${cartId}`, total: '52.30', currency: 'EUR' },
  };
}

// ── Machine ──────────────────────────────────────────────────────────────────────────────────
const machine = {
  nproc: await shell('nproc'),
  lscpu: await shell('lscpu | head -20'),
  free: await shell('free -g'),
  node: process.version,
  load: os.loadavg().map((value) => value.toFixed(2)),
};
progress(`machine: ${machine.nproc} cores, node ${machine.node}, load ${machine.load.join(' ')}`);

// ── Real components ──────────────────────────────────────────────────────────────────────────
Runtime.install({ logger: new DefaultLogger('WARN') });
const cleanups: Array<() => Promise<unknown>> = [];
const workers: WorkerProcess[] = [];
const cleanUp = async () => {
  for (const worker of workers) worker.kill();
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => progress(`clean-up: ${error}`));
};
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

try {
  await main();
} catch (error) {
  // Said before the clean-up: closing the Temporal connection can make a pending gRPC retry throw
  // on its own, which would otherwise be the only error printed.
  progress(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}

async function main() {
  progress('Temporal CLI (scripts/temporal-cli.sh) …');
  const cliPath = await script('temporal-cli.sh');
  let adminUrl = benchVariable('DATABASE_URL');
  /** The postmaster of the throwaway cluster: its CPU (and its backends') is measured; not for DATABASE_URL. */
  let postgresPid: number | undefined;
  if (!adminUrl) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-bench-pg-'));
    progress('throwaway PostgreSQL (scripts/test-postgres.sh) …');
    adminUrl = await script('test-postgres.sh', ['start', dir, String(await freePort())]);
    cleanups.push(() => script('test-postgres.sh', ['stop', dir]));
    postgresPid = Number((await readFile(path.join(dir, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  }
  const dbName = `cartflow_bench_${runId}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  cleanups.push(async () => {
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  });
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const database = await openDatabase({ url: dbUrl.toString() });
  await database.migrate();
  cleanups.push(() => database.close());
  const sql = postgres(dbUrl.toString(), { max: 2, onnotice: () => {} });
  cleanups.push(() => sql.end());

  progress('Temporal dev server …');
  const temporal = await startTemporalDevServer({
    binary: cliPath,
    searchAttributes: cartSearchAttributeKeys,
    sqlitePragmas: { journal_mode: 'WAL', synchronous: 'OFF' },
    startTimeoutMs: 120_000,
  });
  cleanups.push(() => temporal.teardown());
  const { client } = temporal;
  const temporalPid = temporal.pid;

  let emails = 0;
  const sink = await startSmtpSink({ onMessage: async () => void (emails += 1) });
  cleanups.push(() => sink.close());

  const workerEnv = {
    TEMPORAL_ADDRESS: temporal.address,
    DATABASE_URL: dbUrl.toString(),
    SMTP_URL: sink.url,
  };
  const startWorker = async (mode: 'cart' | 'baseline', taskQueue: string, extra: Record<string, string> = {}) => {
    const worker = await startWorkerProcess({
      ...workerEnv,
      BENCH_WORKER_MODE: mode,
      BENCH_TASK_QUEUE: taskQueue,
      ...extra,
    });
    workers.push(worker);
    return worker;
  };

  const chainQueue = `bench-chains-${runId}`;
  const workflows = createCartWorkflows({
    client,
    taskQueue: chainQueue,
    abandonAfterMs: ABANDON_MS,
    campaigns: [campaign],
    deliveryTimeoutMs: 30_000,
  });
  // The webhook only stores the event; its outbox relay hands it to Temporal (drained below).
  const relay = createOutboxRelay({ db: database.db, workflows, logger: pino({ level: 'silent' }) });
  const app = createBenchApp({
    db: database.db,
    workflows,
    relay,
    shopId,
    secret,
    logger: pino({ level: 'silent' }),
  });
  const postWebhook = async (event: unknown) => {
    const body = JSON.stringify(event);
    const response = await app.request('/webhooks/cart', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'cartflow-signature': signatureHeader({ secret, body, timestampSeconds: Math.floor(Date.now() / 1000) }),
      },
      body,
    });
    if (response.status !== 202) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
    await relay.drain();
  };
  const handleOf = (cartId: string) => client.workflow.getHandle(cartWorkflowId({ shopId, cartId }));

  const out: string[] = [];
  const line = (text = '') => out.push(text);
  line(`## bench:chains — ${new Date().toISOString()}`);
  line();
  line(`nproc: ${machine.nproc}; node ${machine.node}; load average at start ${machine.load.join(' ')}`);
  line('```');
  line(machine.lscpu);
  line(machine.free);
  line('```');
  line();
  if (PHASES.has('chains')) await chainsPhase();
  if (PHASES.has('memory')) await memoryPhase();
  line();
  line(
    `whole run ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  console.log(out.join('\n'));

  async function chainsPhase() {
    // ── Baselines first, same dev server: trivial workflows, then the chain shape with nothing in it ─
    const baseQueue = `bench-baseline-${runId}`;
    progress('baseline worker …');
    const baseWorker = await startWorker('baseline', baseQueue);
    const runBaseline = async (
      name: 'noopWorkflow' | 'sameShapeWorkflow' | 'sameShapeLocalWorkflow' | 'sameShapeVariantWorkflow',
      args: unknown[] = [],
      searchAttributes?: AttributionVariant['searchAttributes'],
      tag: string = name,
    ) => {
      const ids = Array.from({ length: CARTS }, (_, index) => `${tag}-${runId}-${index}`);
      const finished: Array<Promise<unknown>> = [];
      const cpu0 = await cpuNow(baseWorker);
      const threads0 = await cpuByThread(baseWorker.pid);
      const t0 = performance.now();
      await mapLimit(ids, CONCURRENCY, async (workflowId) => {
        const handle = await client.workflow.start(name, {
          taskQueue: baseQueue,
          workflowId,
          args,
          ...(searchAttributes ? { typedSearchAttributes: searchAttributes } : {}),
        });
        finished.push(handle.result());
      });
      const startedMs = performance.now() - t0;
      await Promise.all(finished);
      const wallMs = performance.now() - t0;
      const cpu = cpuSince(cpu0, await cpuNow(baseWorker));
      const threads = threadsSince(threads0, await cpuByThread(baseWorker.pid));
      const history = await historyOf(client.workflow.getHandle(ids[0]!));
      progress(`${tag}: ${CARTS} in ${(wallMs / 1000).toFixed(2)} s, ${history.events} events each`);
      return { wallMs, startedMs, history, cpu, threads };
    };
    // Warm-up (not measured): the cart worker gets the same from the two chains of part 1.
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        client.workflow.execute('noopWorkflow', { taskQueue: baseQueue, workflowId: `warm-up-${runId}-${index}` }),
      ),
    );
    const baseIdle = await idleRate(baseWorker);
    progress(`baseline: ${CARTS} trivial workflows (one no-op activity) …`);
    const trivial = await runBaseline('noopWorkflow');
    progress(`baseline: ${CARTS} same-shape workflows (timer + no-op activity × 3) …`);
    const sameShapeDelays = [ABANDON_MS + STEP_DELAYS_MS[0]!, ...STEP_DELAYS_MS.slice(1)];
    const sameShape = await runBaseline('sameShapeWorkflow', [sameShapeDelays]);
    progress(`baseline: ${CARTS} same-shape workflows with local activities (timer + local no-op × 3) …`);
    const sameShapeLocal = await runBaseline('sameShapeLocalWorkflow', [sameShapeDelays]);
    const variants: Array<{ label: string; run: Awaited<ReturnType<typeof runBaseline>> }> = [];
    if (PHASES.has('attribution')) {
      const specs = attributionVariants({
        delaysMs: sameShapeDelays,
        shopId,
        campaign,
        cart: cartEvent('attribution', 0).data,
      });
      for (const [index, spec] of specs.entries()) {
        progress(`attribution: ${CARTS} same-shape workflows ${spec.label} …`);
        const run = await runBaseline(
          'sameShapeVariantWorkflow',
          [spec.input],
          spec.searchAttributes,
          `variant${index}`,
        );
        variants.push({ label: spec.label, run });
      }
    }
    await baseWorker.shutdown();

    // ── 1. History events and activities per chain ─────────────────────────────────────────────
    progress('cart worker …');
    const chainWorker = await startWorker('cart', chainQueue);
    progress('1. one complete chain …');
    emails = 0;
    const complete = cartEvent('complete', 0);
    await postWebhook(complete);
    const completeOutcome = await handleOf(complete.data.id).result();
    const completeHistory = await historyOf(handleOf(complete.data.id));
    const completeEmails = emails;

    progress('1. one chain ended by an order after the first email …');
    emails = 0;
    const early = cartEvent('early-exit', 0);
    await postWebhook(early);
    for (;;) {
      // A query adds no history event; wait until the first step is done and the chain is on its timer.
      const view = await handleOf(early.data.id).query(cartStateQuery);
      if (view.stepsDone >= 1) break;
      await sleep(50);
    }
    await postWebhook(orderEvent(early.data.id));
    const earlyOutcome = await handleOf(early.data.id).result();
    const earlyHistory = await historyOf(handleOf(early.data.id));
    const earlyEmails = emails;

    // ── 2. Carts per second through complete chains ────────────────────────────────────────────
    progress(`2. ${CARTS} carts through complete chains (${CONCURRENCY} webhooks in flight) …`);
    emails = 0;
    const loadEvents = Array.from({ length: CARTS }, (_, index) => cartEvent('load', index));
    const outcomes = new Map<string, number>();
    const finished: Array<Promise<void>> = [];
    const chainIdle = await idleRate(chainWorker);
    const chainsCpu0 = await cpuNow(chainWorker);
    const chainThreads0 = await cpuByThread(chainWorker.pid);
    const transactions0 = await committedTransactions();
    const t0 = performance.now();
    await mapLimit(loadEvents, CONCURRENCY, async (event) => {
      await postWebhook(event);
      finished.push(
        handleOf(event.data.id)
          .result()
          .then((outcome: string) => void outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)),
      );
    });
    const chainsPostedMs = performance.now() - t0;
    await Promise.all(finished);
    const chainsWallMs = performance.now() - t0;
    const chainsCpu = cpuSince(chainsCpu0, await cpuNow(chainWorker));
    const chainThreads = threadsSince(chainThreads0, await cpuByThread(chainWorker.pid));
    const chainsEmails = emails;
    progress(`2. ${CARTS} chains in ${(chainsWallMs / 1000).toFixed(2)} s; fetching their histories …`);
    const loadHistories: HistorySummary[] = [];
    await mapLimit(loadEvents, 20, async (event) => void loadHistories.push(await historyOf(handleOf(event.data.id))));
    const messageRows = await sql<Array<{ status: string; n: number }>>`
      select status, count(*)::int as n from messages where cart_id like ${`${runId}-load-%`} group by status`;
    await chainWorker.shutdown();
    // A backend flushes its statistics when it exits at the latest: the worker's have now.
    await sleep(500);
    const transactionsPerChain = ((await committedTransactions()) - transactions0) / CARTS;

    line('### 1. Temporal cost of one chain');
    line();
    const chainRow = (name: string, outcome: string, history: HistorySummary, sent: number) =>
      `| ${name} | ${outcome} | ${history.events} | ${history.byType.get('ActivityTaskScheduled') ?? 0} | ${history.byType.get('MarkerRecorded') ?? 0} | ${history.byType.get('TimerStarted') ?? 0} | ${history.byType.get('UpsertWorkflowSearchAttributes') ?? 0} | ${history.byType.get('WorkflowTaskCompleted') ?? 0} | ${sent} |`;
    line(
      '| run | outcome | history events | server activities | markers (local activities, patches) | timers | search-attribute upserts | workflow tasks | emails |',
    );
    line('|---|---|---:|---:|---:|---:|---:|---:|---:|');
    line(chainRow('3-step chain, complete', completeOutcome, completeHistory, completeEmails));
    line(chainRow('order after the first email', earlyOutcome, earlyHistory, earlyEmails));
    line(chainRow('baseline: same shape, no-op (3 timers + 3 activities)', 'completed', sameShape.history, 0));
    line(
      chainRow('baseline: same shape, local (3 timers + 3 local activities)', 'completed', sameShapeLocal.history, 0),
    );
    line(chainRow('baseline: trivial (1 no-op activity)', 'completed', trivial.history, 0));
    line();
    const types = [...new Set([...completeHistory.byType.keys(), ...earlyHistory.byType.keys()])];
    line('| event type | complete chain | early exit | same-shape baseline | same shape, local |');
    line('|---|---:|---:|---:|---:|');
    for (const type of types) {
      line(
        `| ${type} | ${completeHistory.byType.get(type) ?? 0} | ${earlyHistory.byType.get(type) ?? 0} | ${sameShape.history.byType.get(type) ?? 0} | ${sameShapeLocal.history.byType.get(type) ?? 0} |`,
      );
    }
    line();
    line(`complete chain, in order: ${completeHistory.names.join(', ')}`);
    line();
    line(`early exit, in order: ${earlyHistory.names.join(', ')}`);
    line();
    line(`### 2. Throughput: ${CARTS} carts, ${CONCURRENCY} in flight`);
    line();
    const perSecond = (ms: number) => (CARTS / (ms / 1000)).toFixed(1);
    const loadEventsCount = loadHistories.map((history) => history.events);
    const loadDurations = loadHistories.map((history) => history.durationMs);
    line(
      `every chain: ${ABANDON_MS / 1000} s abandonment + steps ${STEP_DELAYS.join(', ')} = ${CHAIN_FLOOR_MS / 1000} s at least`,
    );
    line();
    line(
      '| run | all started after | wall (first start → last completed) | per second | wall − delays | chains wall ÷ this |',
    );
    line('|---|---:|---:|---:|---:|---:|');
    const cores = Number(machine.nproc);
    const row = (name: string, startedMs: number, wallMs: number, floorMs: number) =>
      `| ${name} | ${(startedMs / 1000).toFixed(2)} s | ${(wallMs / 1000).toFixed(2)} s | ${perSecond(wallMs)} | ${((wallMs - floorMs) / 1000).toFixed(2)} s | ${(chainsWallMs / wallMs).toFixed(2)}× |`;
    const perWorkflow = (ms: number) => (Number.isNaN(ms) ? 'n/a' : `${(ms / CARTS).toFixed(1)} ms`);
    const cpuRow = (name: string, wallMs: number, cpu: Cpu) => {
      const total = totalOf(cpu);
      return `| ${name} | ${perWorkflow(cpu.worker)} | ${perWorkflow(cpu.temporal)} | ${perWorkflow(cpu.postgres)} | ${perWorkflow(cpu.bench)} | ${perWorkflow(total)} | ${((100 * total) / (wallMs * cores)).toFixed(0)} % |`;
    };
    line(row('cart chains (webhook → 3 emails)', chainsPostedMs, chainsWallMs, CHAIN_FLOOR_MS));
    line(row('baseline: same shape, no-op', sameShape.startedMs, sameShape.wallMs, CHAIN_FLOOR_MS));
    line(row('baseline: same shape, local', sameShapeLocal.startedMs, sameShapeLocal.wallMs, CHAIN_FLOOR_MS));
    line(row('baseline: trivial workflow', trivial.startedMs, trivial.wallMs, 0));
    line();
    line(
      `| CPU per workflow | worker | Temporal dev server | Postgres | bench process (HTTP app, client, SMTP sink) | total | busy (of ${cores} cores × wall) |`,
    );
    line('|---|---:|---:|---:|---:|---:|---:|');
    line(cpuRow('cart chains', chainsWallMs, chainsCpu));
    line(cpuRow('baseline: same shape, no-op', sameShape.wallMs, sameShape.cpu));
    line(cpuRow('baseline: same shape, local', sameShapeLocal.wallMs, sameShapeLocal.cpu));
    line(cpuRow('baseline: trivial workflow', trivial.wallMs, trivial.cpu));
    line();
    // On a shared machine a slow run spreads each process's idle burn (polling, timers, GC) over
    // its workflows: the same figures net of that, each process's idle rate × the run's wall time.
    line(
      `Net of idle CPU (each process measured idle for ${IDLE_MS / 1000} s before its runs; ms CPU per s: cart run ${rates(chainIdle)}, baselines ${rates(baseIdle)})`,
    );
    line();
    line(
      `| CPU per workflow, net of idle | worker | Temporal dev server | Postgres | bench process (HTTP app, client, SMTP sink) | total | busy (of ${cores} cores × wall) |`,
    );
    line('|---|---:|---:|---:|---:|---:|---:|');
    const chainsNet = netOfIdle(chainsCpu, chainIdle, chainsWallMs);
    const sameShapeNet = netOfIdle(sameShape.cpu, baseIdle, sameShape.wallMs);
    line(cpuRow('cart chains', chainsWallMs, chainsNet));
    line(cpuRow('baseline: same shape, no-op', sameShape.wallMs, sameShapeNet));
    const sameShapeLocalNet = netOfIdle(sameShapeLocal.cpu, baseIdle, sameShapeLocal.wallMs);
    line(cpuRow('baseline: same shape, local', sameShapeLocal.wallMs, sameShapeLocalNet));
    line(cpuRow('baseline: trivial workflow', trivial.wallMs, netOfIdle(trivial.cpu, baseIdle, trivial.wallMs)));
    line();
    const threadNames = [...new Set([...chainThreads.keys(), ...sameShape.threads.keys()])].sort(
      (a, b) => (chainThreads.get(b) ?? 0) - (chainThreads.get(a) ?? 0),
    );
    line(`| worker CPU per workflow, by thread | ${threadNames.join(' | ')} |`);
    line(`|---|${threadNames.map(() => '---:').join('|')}|`);
    line(`| cart chains | ${threadNames.map((name) => perWorkflow(chainThreads.get(name) ?? 0)).join(' | ')} |`);
    line(
      `| baseline: same shape, no-op | ${threadNames.map((name) => perWorkflow(sameShape.threads.get(name) ?? 0)).join(' | ')} |`,
    );
    line(
      `| baseline: same shape, local | ${threadNames.map((name) => perWorkflow(sameShapeLocal.threads.get(name) ?? 0)).join(' | ')} |`,
    );
    line();
    line(
      `complete chain ÷ same-shape no-op, CPU per workflow: ${(totalOf(chainsCpu) / totalOf(sameShape.cpu)).toFixed(2)}× as measured, ${(totalOf(chainsNet) / totalOf(sameShapeNet)).toFixed(2)}× net of idle; worker alone ${(chainsCpu.worker / sameShape.cpu.worker).toFixed(2)}× / ${(chainsNet.worker / sameShapeNet.worker).toFixed(2)}×`,
    );
    line();
    // The chain runs its steps as local activities: against the same shape run the same way, what
    // is left is the chain's own work (the step, the intake, the history features).
    line(
      `complete chain ÷ same shape with local activities, CPU per workflow: ${(totalOf(chainsCpu) / totalOf(sameShapeLocal.cpu)).toFixed(2)}× as measured, ${(totalOf(chainsNet) / totalOf(sameShapeLocalNet)).toFixed(2)}× net of idle; worker alone ${(chainsCpu.worker / sameShapeLocal.cpu.worker).toFixed(2)}× / ${(chainsNet.worker / sameShapeLocalNet.worker).toFixed(2)}×`,
    );
    line();
    if (variants.length > 0) {
      line('### 2b. Attribution: the same shape plus one thing of the chain each (`PHASES=…,attribution`)');
      line();
      line(
        '| CPU per workflow | history events | worker | of it: workflow threads (`node`) | Temporal dev server | bench process | total | Temporal − same shape |',
      );
      line('|---|---:|---:|---:|---:|---:|---:|---:|');
      const variantRow = (label: string, run: { history: HistorySummary; cpu: Cpu; threads: Map<string, number> }) =>
        `| ${label} | ${run.history.events} | ${perWorkflow(run.cpu.worker)} | ${perWorkflow(run.threads.get('node') ?? 0)} | ${perWorkflow(run.cpu.temporal)} | ${perWorkflow(run.cpu.bench)} | ${perWorkflow(totalOf(run.cpu))} | ${perWorkflow(run.cpu.temporal - sameShape.cpu.temporal)} |`;
      line(variantRow('same shape, no-op', sameShape));
      for (const { label, run } of variants) line(variantRow(label, run));
      line(
        variantRow('cart chain (section 2, its own worker)', {
          history: completeHistory,
          cpu: chainsCpu,
          threads: chainThreads,
        }),
      );
      line();
    }
    line(
      `chains: outcomes ${JSON.stringify(Object.fromEntries(outcomes))}; emails at the sink ${chainsEmails} (expected ${3 * CARTS}); message rows ${JSON.stringify(Object.fromEntries(messageRows.map((r) => [r.status, r.n])))}`,
    );
    line(
      `Postgres transactions per chain (pg_stat_database, one per statement outside a transaction; webhook intake and relay included): ${transactionsPerChain.toFixed(1)}`,
    );
    line(
      `chain duration (first → last history event): p50 ${(quantile(loadDurations, 0.5) / 1000).toFixed(2)} s, p99 ${(quantile(loadDurations, 0.99) / 1000).toFixed(2)} s, max ${(Math.max(...loadDurations) / 1000).toFixed(2)} s (floor ${CHAIN_FLOOR_MS / 1000} s)`,
    );
    line(
      `history events per chain under load: min ${Math.min(...loadEventsCount)}, p50 ${quantile(loadEventsCount, 0.5)}, max ${Math.max(...loadEventsCount)}; timers: max ${Math.max(...loadHistories.map((h) => h.byType.get('TimerStarted') ?? 0))}`,
    );
    line();
  }

  async function memoryPhase() {
    // ── 3. Worker memory with carts parked on their 1 h abandonment timer ───────────────────────
    const parkRuns: ParkRun[] = [];
    parkRuns.push(await park(0, 'default cache', {}));
    if (CACHE_VARIANT) parkRuns.push(await park(1, 'cache ≥ parked', { BENCH_MAX_CACHED: String(PARKED) }));

    line('### 3. Worker memory, carts parked on a 1 h timer');
    for (const run of parkRuns) {
      line();
      line(
        `${run.name}: maxCachedWorkflows ${run.idle.maxCachedWorkflows} (heap limit ${run.idle.heapLimitMiB} MiB); parked ${run.parked} of ${PARKED} in ${(run.parkMs / 1000).toFixed(1)} s with the pauses for measuring (signalWithStart alone: ${(run.parked / (run.deliverMs / 1000)).toFixed(0)} starts/s); verified on their timer: ${run.verified}`,
      );
      line();
      line(
        '| worker | parked | cached | RSS | heapUsed | RSS − idle | heapUsed − idle | per parked cart (RSS / heap) | per cached workflow (RSS / heap) |',
      );
      line('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
      const memRow = (label: string, parked: number, report: WorkerReport) => {
        const rss = report.memory.rss - run.idle.memory.rss;
        const heap = report.memory.heapUsed - run.idle.memory.heapUsed;
        const cached = report.status.numCachedWorkflows;
        return `| ${label} | ${parked} | ${cached} | ${mib(report.memory.rss)} | ${mib(report.memory.heapUsed)} | ${parked ? mib(rss) : '–'} | ${parked ? mib(heap) : '–'} | ${parked ? `${kib(rss / parked)} / ${kib(heap / parked)}` : '–'} | ${cached ? `${kib(rss / cached)} / ${kib(heap / cached)}` : '–'} |`;
      };
      line(memRow('idle (baseline)', 0, run.idle));
      for (const point of run.points) line(memRow('parked', point.parked, point.report));
      const last = run.points.at(-1);
      if (last && run.parked < PARKED && last.report.status.numCachedWorkflows > 0) {
        // The time budget ran out: a clearly labelled linear estimate, bounded by the cache size.
        const cached = last.report.status.numCachedWorkflows;
        const perCached = (last.report.memory.rss - run.idle.memory.rss) / cached;
        const wouldCache = Math.min(PARKED, run.idle.maxCachedWorkflows);
        line();
        line(
          `EXTRAPOLATED, not measured: ${PARKED} parked carts would cache ${wouldCache} workflows; at ${kib(perCached)} RSS each that is ~${mib(run.idle.memory.rss + perCached * wouldCache)} RSS.`,
        );
      }
      line();
      line(
        '| where the RSS is | parked | RSS anon | RSS file | V8 heapTotal | V8 physical | V8 malloced | external | native contexts |',
      );
      line('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
      const detailRow = (label: string, parked: number, report: WorkerReport) =>
        `| ${label} | ${parked} | ${mib(report.rssAnon)} | ${mib(report.rssFile)} | ${mib(report.memory.heapTotal)} | ${mib(report.v8.totalPhysical)} | ${mib(report.v8.malloced)} | ${mib(report.memory.external)} | ${report.v8.nativeContexts} (+${report.v8.detachedContexts} detached) |`;
      line(detailRow('idle (baseline)', 0, run.idle));
      for (const point of run.points) line(detailRow('parked', point.parked, point.report));
    }
  }

  /** Commits in the bench database so far; every autocommitted statement is one. */
  async function committedTransactions(): Promise<number> {
    const [row] = await sql<Array<{ n: number }>>`
      select xact_commit::float8 as n from pg_stat_database where datname = current_database()`;
    return row?.n ?? NaN;
  }

  type Cpu = Record<'worker' | 'bench' | 'temporal' | 'postgres', number>;
  /** CPU ms so far of the worker process, this process, the dev server and Postgres (with its backends). */
  async function cpuNow(worker: WorkerProcess): Promise<Cpu> {
    return (await cpuByGroup({
      worker: { pid: worker.pid },
      bench: { pid: process.pid },
      temporal: { pid: temporalPid },
      postgres: { pid: postgresPid, tree: true },
    })) as Cpu;
  }
  function threadsSince(from: Map<string, number>, to: Map<string, number>): Map<string, number> {
    return new Map([...to].map(([name, ms]) => [name, ms - (from.get(name) ?? 0)]));
  }
  function totalOf(cpu: Cpu): number {
    return cpu.worker + cpu.bench + cpu.temporal + (Number.isNaN(cpu.postgres) ? 0 : cpu.postgres);
  }
  /** CPU ms per wall ms of each process while nothing runs (the worker polls, the dev server ticks). */
  async function idleRate(worker: WorkerProcess): Promise<Cpu> {
    const from = await cpuNow(worker);
    await sleep(IDLE_MS);
    const used = cpuSince(from, await cpuNow(worker));
    return {
      worker: used.worker / IDLE_MS,
      bench: used.bench / IDLE_MS,
      temporal: used.temporal / IDLE_MS,
      postgres: used.postgres / IDLE_MS,
    };
  }
  function netOfIdle(cpu: Cpu, idle: Cpu, wallMs: number): Cpu {
    const net = (used: number, rate: number) => Math.max(0, used - rate * wallMs);
    return {
      worker: net(cpu.worker, idle.worker),
      bench: net(cpu.bench, idle.bench),
      temporal: net(cpu.temporal, idle.temporal),
      postgres: net(cpu.postgres, idle.postgres),
    };
  }
  function rates(idle: Cpu): string {
    const perSecond = (rate: number) => (Number.isNaN(rate) ? 'n/a' : (rate * 1000).toFixed(1));
    return `worker ${perSecond(idle.worker)}, Temporal ${perSecond(idle.temporal)}, Postgres ${perSecond(idle.postgres)}, bench ${perSecond(idle.bench)}`;
  }
  function cpuSince(from: Cpu, to: Cpu): Cpu {
    return {
      worker: to.worker - from.worker,
      bench: to.bench - from.bench,
      temporal: to.temporal - from.temporal,
      postgres: to.postgres - from.postgres,
    };
  }

  interface ParkRun {
    name: string;
    idle: WorkerReport;
    points: Array<{ parked: number; report: WorkerReport }>;
    parked: number;
    parkMs: number;
    deliverMs: number;
    verified: string;
  }

  async function park(index: number, name: string, extra: Record<string, string>): Promise<ParkRun> {
    const queue = `bench-parked-${runId}-${index}`;
    progress(`3. ${name}: fresh cart worker, idle …`);
    const worker = await startWorker('cart', queue, extra);
    const workflows = createCartWorkflows({
      client,
      taskQueue: queue,
      abandonAfterMs: PARK_ABANDON_MS,
      campaigns: [campaign],
      deliveryTimeoutMs: 30_000,
    });
    await sleep(3_000);
    await worker.memory();
    await sleep(2_000);
    const idle = await worker.memory();
    progress(`3. idle: RSS ${mib(idle.memory.rss)}, heapUsed ${mib(idle.memory.heapUsed)}`);
    const tag = `parked${index}`;
    const events = Array.from({ length: PARKED }, (_, index) => cartEvent(tag, index));
    const checkpoints = Array.from({ length: CHECKPOINTS }, (_, index) =>
      Math.round(((index + 1) / CHECKPOINTS) * PARKED),
    );
    const points: ParkRun['points'] = [];
    const t0 = performance.now();
    let parked = 0;
    let deliverMs = 0;
    for (const checkpoint of checkpoints) {
      if (performance.now() - t0 > PARKED_BUDGET_MS) {
        progress(`3. time budget (${PARKED_BUDGET_MS / 1000} s) spent: stopping at ${parked} parked carts`);
        break;
      }
      const batch = events.slice(parked, checkpoint);
      // signalWithStart, as the webhook does after storing the event (the database is not the worker's).
      const batchStart = performance.now();
      await mapLimit(batch, CONCURRENCY, async (event) => {
        const delivery = await workflows.deliver(shopId, event as Parameters<typeof workflows.deliver>[1]);
        if (delivery !== 'delivered') throw new Error(`cart ${event.data.id}: ${delivery}`);
      });
      deliverMs += performance.now() - batchStart;
      parked = checkpoint;
      await waitUntilProcessed(queue, worker);
      const report = await worker.memory();
      points.push({ parked, report });
      progress(
        `3. ${parked} parked (load ${os.loadavg()[0]?.toFixed(2)}): RSS ${mib(report.memory.rss)}, heapUsed ${mib(report.memory.heapUsed)}, cached ${report.status.numCachedWorkflows}`,
      );
    }
    const parkMs = performance.now() - t0;
    progress(`3. verifying that every parked cart is on its timer …`);
    let onTimer = 0;
    const states = new Map<string, number>();
    // Describing 100,000 workflows takes minutes on a loaded machine: past 10,000, every n-th one.
    const stride = Math.max(1, Math.ceil(parked / 10_000));
    const sample = events.slice(0, parked).filter((_, index) => index % stride === 0);
    await mapLimit(sample, CONCURRENCY, async (event) => {
      const description = await handleOf(event.data.id).describe();
      const state = `${description.status.name}/${description.historyLength}`;
      states.set(state, (states.get(state) ?? 0) + 1);
      if (description.status.name === 'RUNNING' && description.historyLength >= 6) onTimer += 1;
    });
    const verified = `${onTimer}/${sample.length}${stride > 1 ? ` (one in ${stride} of ${parked})` : ''} running with the timer started (status/history length: ${JSON.stringify(Object.fromEntries(states))})`;
    progress(`3. ${verified}`);
    await worker.shutdown();
    return { name, idle, points, parked, parkMs, deliverMs, verified };
  }

  /** Until the task queue has no workflow-task backlog and the worker nothing in flight, twice in a row. */
  async function waitUntilProcessed(queue: string, worker: WorkerProcess): Promise<void> {
    const { enums } = proto.temporal.api;
    let quiet = 0;
    while (quiet < 2) {
      await sleep(1_000);
      const answer = await client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: queue, kind: enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        reportStats: true,
      });
      const backlog = Number(String(answer.stats?.approximateBacklogCount ?? 0));
      const { status } = await worker.status();
      const busy = backlog > 0 || status.numInFlightWorkflowActivations > 0;
      quiet = busy ? 0 : quiet + 1;
    }
  }
}
