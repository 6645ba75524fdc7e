import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { type AnalyticsRange, dailySeries, experimentArms, stepFunnel } from '../db/analytics-store';
import { type Db, openDatabase } from '../db/client';
import * as schema from '../db/schema';
import { freePort, quantile, script, shell } from './chains-support';
import { naiveDailySeries, naiveExperimentArms, naiveStepFunnel } from './report-naive';
import { days, firstDay, seed, seedSize, shopId } from './report-seed';
import { removeUntriggeredRows, timeOrderWebhooks, timeTrackingInserts, type WriteTimings } from './report-writes';
import { benchVariable } from './bench-env';

// `npm run bench:report`: the analyst report (every result the dashboard reads, all campaigns,
// the whole range) from db/analytics-store.ts over 1,000,000 messages and 5,000,000 tracking
// events on a throwaway PostgreSQL, beside the same results computed from the raw rows, alternating
// in one run; checks that both give the same numbers; then what the triggers cost per write.
//   --messages 1000000   messages (tracking events 5×, chains 0.33×, customers 0.05×, orders 0.04×)
//   --reps 7             timed repetitions of each report, after one warm-up each
//   --writes 10000       tracking events inserted one by one with the triggers on, and as many off
//   --orders 2000        order webhooks through storeCartEvent, triggers on, and as many off
//   --seed 1             the data set's seed
//   --explain            print EXPLAIN (ANALYZE, BUFFERS) of the report's three queries
// DATABASE_URL (an admin URL) uses that server instead of scripts/test-postgres.sh.

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    reps: { type: 'string', default: '7' },
    writes: { type: 'string', default: '10000' },
    orders: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    explain: { type: 'boolean', default: false },
  },
});
const size = seedSize(Number(args.messages), Number(args.seed));
const REPS = Number(args.reps);

const progress = (line: string) => process.stderr.write(`[bench:report] ${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const loads: number[] = [];
const sampleLoad = () => void loads.push(os.loadavg()[0]!);

const machine = {
  nproc: await shell('nproc'),
  cpu: await shell(`lscpu | sed -n 's/^Model name: *//p'`),
  free: await shell('free -h | sed -n 2p'),
  node: process.version,
  date: new Date().toISOString(),
};
sampleLoad();
progress(
  `machine: ${machine.nproc} cores, ${machine.cpu}, load ${os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}`,
);

const cleanups: Array<() => Promise<unknown>> = [];
const cleanUp = async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error) => progress(`clean-up: ${error}`));
};
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
const loadTimer = setInterval(sampleLoad, 5000);
cleanups.push(async () => clearInterval(loadTimer));

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  throw error;
} finally {
  await cleanUp();
}

async function main() {
  let adminUrl = benchVariable('DATABASE_URL');
  if (!adminUrl) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-bench-pg-'));
    progress('throwaway PostgreSQL (scripts/test-postgres.sh) …');
    adminUrl = await script('test-postgres.sh', ['start', dir, String(await freePort())]);
    cleanups.push(() => script('test-postgres.sh', ['stop', dir]));
  }
  const dbName = `cartflow_report_${Date.now().toString(36)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  cleanups.push(() => admin.end());
  await admin.unsafe(`create database ${dbName}`);
  cleanups.push(() => admin.unsafe(`drop database if exists ${dbName} with (force)`));
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const database = await openDatabase({ url: dbUrl.toString() });
  cleanups.push(() => database.close());
  await database.migrate();
  const { db } = database;
  const sql = postgres(dbUrl.toString(), { max: 1, onnotice: () => {} });
  cleanups.push(() => sql.end());
  const version = (await sql<Array<{ v: string }>>`select version() as v`)[0]!.v;
  const settings = await sql<Array<{ name: string; setting: string; unit: string | null }>>`
    select name, setting, unit from pg_settings where name in ('shared_buffers', 'work_mem', 'max_parallel_workers_per_gather', 'jit')`;

  progress(`seeding ${size.messages.toLocaleString('en')} messages (triggers off) …`);
  const seeded = await timed(() => seed(sql, size, progress));
  progress(`seeded in ${seconds(seeded.ms)}; analytics_rebuild() …`);
  const rebuild = await timed(() => sql`select analytics_rebuild()`);
  progress(`rebuild: ${seconds(rebuild.ms)}; vacuum analyze …`);
  const vacuum = await timed(() => sql`vacuum analyze`);
  const counts = await sql<Array<{ name: string; rows: string }>>`
    select 'messages' as name, count(*)::text as rows from messages union all select 'tracking_events', count(*)::text from tracking_events
    union all select 'chains', count(*)::text from chains union all select 'customers', count(*)::text from customers
    union all select 'orders', count(*)::text from orders union all select 'orders attributed', count(attributed_message_id)::text from orders
    union all select 'delivery_events', count(*)::text from delivery_events union all select 'unsubscribe_events', count(*)::text from unsubscribe_events
    union all select 'analytics_step_daily', count(*)::text from analytics_step_daily union all select 'analytics_arm_daily', count(*)::text from analytics_arm_daily`;
  // (union all keeps the order of its branches in practice; the table above is for reading only)
  const sizes = await sql<Array<{ size: string }>>`select pg_size_pretty(pg_database_size(current_database())) as size`;
  progress(counts.map((row) => `${row.name} ${Number(row.rows).toLocaleString('en')}`).join(', '));

  const until = new Date(Date.parse(`${firstDay}T00:00:00Z`) + (days + 10) * 86400_000).toISOString().slice(0, 10);
  const range: AnalyticsRange = { shopId, since: firstDay, until };
  const real = async () => {
    const funnel = await stepFunnel(db, range);
    const daily = await dailySeries(db, range);
    const arms = await experimentArms(db, range);
    return { funnel, daily, arms };
  };
  const naive = async () => {
    const funnel = await naiveStepFunnel(db, range);
    const daily = await naiveDailySeries(db, range);
    const arms = await naiveExperimentArms(db, range);
    return { funnel, daily, arms };
  };

  progress('warm-up and check: the report against the raw rows …');
  const checkAfterSeed = compare(await real(), await naive());
  progress(checkAfterSeed.summary);
  const realMs: number[] = [];
  const naiveMs: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const first = rep % 2 === 0 ? 'real' : 'naive';
    for (const which of first === 'real' ? ['real', 'naive'] : ['naive', 'real']) {
      const { ms } = await timed(which === 'real' ? real : naive);
      (which === 'real' ? realMs : naiveMs).push(ms);
      progress(`rep ${rep + 1}/${REPS} ${which}: ${ms.toFixed(0)} ms`);
      sampleLoad();
    }
  }
  const realParts = { funnel: [] as number[], daily: [] as number[], arms: [] as number[] };
  for (let rep = 0; rep < REPS; rep++) {
    realParts.funnel.push((await timed(() => stepFunnel(db, range))).ms);
    realParts.daily.push((await timed(() => dailySeries(db, range))).ms);
    realParts.arms.push((await timed(() => experimentArms(db, range))).ms);
  }

  progress(`writes: ${args.writes} tracking events and ${args.orders} order webhooks, triggers on and off …`);
  const untriggeredSql = postgres(dbUrl.toString(), { max: 1, onnotice: () => {} });
  cleanups.push(() => untriggeredSql.end());
  await untriggeredSql`set session_replication_role = replica`;
  const untriggered = drizzle(untriggeredSql, { schema }) as unknown as Db;
  const sides = { db, untriggered, sql, blocks: 10 };
  const tracking = await timeTrackingInserts(sides, Number(args.writes));
  sampleLoad();
  const orders = await timeOrderWebhooks(sides, Number(args.orders));
  sampleLoad();
  await removeUntriggeredRows(sql);
  const checkAfterWrites = compare(await real(), await naive());
  progress(`after the triggered writes: ${checkAfterWrites.summary}`);

  const realP50 = quantile(realMs, 0.5);
  if (args.explain || realP50 >= 1000) {
    for (const [name, run] of [
      ['stepFunnel', stepFunnel],
      ['dailySeries', dailySeries],
      ['experimentArms', experimentArms],
    ] as const) {
      progress(`EXPLAIN (ANALYZE, BUFFERS) ${name}:\n${await explain(sql, (captured) => run(captured, range))}`);
    }
  }

  // ── Report (stdout) ──────────────────────────────────────────────────────────────────────────
  const stat = (values: number[]) => ({
    p50: quantile(values, 0.5),
    min: Math.min(...values),
    max: Math.max(...values),
  });
  const ms = (value: number) => `${value.toLocaleString('en', { maximumFractionDigits: value < 10 ? 2 : 0 })} ms`;
  const r = stat(realMs);
  const n = stat(naiveMs);
  const out: string[] = [];
  out.push(
    `machine: nproc ${machine.nproc}; ${machine.cpu}; free -h: ${machine.free.replace(/\s+/g, ' ')}; node ${machine.node}`,
  );
  out.push(`${version}; ${settings.map((s) => `${s.name}=${s.setting}${s.unit ?? ''}`).join(', ')}`);
  out.push(
    `date ${machine.date}; load average (1 min) during the run: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} on ${machine.nproc} cores (${loads.length} samples)`,
  );
  out.push('');
  out.push(
    '| table | rows |',
    '|---|---:|',
    ...counts.map((row) => `| ${row.name} | ${Number(row.rows).toLocaleString('en')} |`),
  );
  out.push(`| (database size) | ${sizes[0]!.size} |`);
  out.push('');
  out.push(
    `seed (INSERT … SELECT, triggers off): ${seconds(seeded.ms)}; analytics_rebuild(): ${seconds(rebuild.ms)}; vacuum analyze: ${seconds(vacuum.ms)}`,
  );
  out.push('');
  out.push(`| full report, ${REPS} reps each, alternating | p50 | min | max |`, '|---|---:|---:|---:|');
  out.push(`| analytics-store (rollups) | ${ms(r.p50)} | ${ms(r.min)} | ${ms(r.max)} |`);
  out.push(`| naive (raw rows, GROUP BY) | ${ms(n.p50)} | ${ms(n.min)} | ${ms(n.max)} |`);
  out.push(
    `naive ÷ analytics-store at p50: ${(n.p50 / r.p50).toFixed(0)}×. Goal < 1 s: ${r.p50 < 1000 && r.max < 1000 ? 'met' : r.p50 < 1000 ? 'met at p50, not at max' : 'NOT MET'}`,
  );
  out.push(
    `parts of the report (p50 of ${REPS}): stepFunnel ${ms(stat(realParts.funnel).p50)}, dailySeries ${ms(stat(realParts.daily).p50)}, experimentArms ${ms(stat(realParts.arms).p50)}`,
  );
  out.push(
    `rows: stepFunnel ${checkAfterSeed.rows.funnel}, dailySeries ${checkAfterSeed.rows.daily}, experimentArms ${checkAfterSeed.rows.arms}`,
  );
  out.push(`check after seed + rebuild: ${checkAfterSeed.summary}`);
  out.push(`check after the triggered writes: ${checkAfterWrites.summary}`);
  out.push('');
  out.push(
    '| write, one at a time, autocommit | triggers | count | p50 | p99 | mean | per second |',
    '|---|---|---:|---:|---:|---:|---:|',
  );
  const writeRows = (name: string, timings: WriteTimings) =>
    (['on', 'off'] as const).map((side) => {
      const values = timings[side];
      const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
      return `| ${name} | ${side} | ${values.length.toLocaleString('en')} | ${ms(quantile(values, 0.5))} | ${ms(quantile(values, 0.99))} | ${ms(mean)} | ${(1000 / mean).toFixed(0)} |`;
    });
  out.push(
    ...writeRows('tracking event (insertOpen)', tracking),
    ...writeRows('order.placed (storeCartEvent)', orders),
  );
  for (const [name, timings] of [
    ['tracking event', tracking],
    ['order webhook', orders],
  ] as const) {
    const on = quantile(timings.on, 0.5);
    const off = quantile(timings.off, 0.5);
    out.push(`${name}: triggers add ${ms(on - off)} at p50 (${(on / off).toFixed(2)}×)`);
  }
  console.log(out.join('\n'));
  if (!checkAfterSeed.equal || !checkAfterWrites.equal) {
    console.log('\nDIFFERENCES\n' + [...checkAfterSeed.details, ...checkAfterWrites.details].join('\n'));
    process.exitCode = 1;
  }
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await run();
  return { ms: performance.now() - start, value };
}

type Report = { funnel: object[]; daily: object[]; arms: object[] };

/** Row by row, after sorting both sides the same way (ties in `order by min(day)` may order differently). */
function compare(real: Report, naive: Report) {
  const details: string[] = [];
  const rows = { funnel: real.funnel.length, daily: real.daily.length, arms: real.arms.length };
  for (const part of ['funnel', 'daily', 'arms'] as const) {
    const byKey = (list: object[]) => new Map(list.map((row) => [keyOf(row), row]));
    const a = byKey(real[part]);
    const b = byKey(naive[part]);
    for (const [k, row] of a) {
      const other = b.get(k);
      if (!other) details.push(`${part}: only in the report: ${JSON.stringify(row)}`);
      else {
        const fields = Object.keys(row).filter(
          (field) => (row as Record<string, unknown>)[field] !== (other as Record<string, unknown>)[field],
        );
        if (fields.length > 0)
          details.push(
            `${part} ${k}: ${fields.map((f) => `${f} report ${(row as Record<string, unknown>)[f]} vs raw ${(other as Record<string, unknown>)[f]}`).join(', ')}`,
          );
      }
    }
    for (const [k, row] of b) if (!a.has(k)) details.push(`${part}: only in the raw rows: ${JSON.stringify(row)}`);
  }
  const equal = details.length === 0;
  const total = rows.funnel + rows.daily + rows.arms;
  return {
    equal,
    details,
    rows,
    summary: equal ? `identical (${total} rows, every field)` : `${details.length} DIFFERENCES`,
  };
}

/** The group key of a result row: its text fields and campaign version. */
function keyOf(row: object): string {
  return Object.entries(row)
    .filter(([field, value]) => typeof value === 'string' || field === 'campaignVersion')
    .map(([, value]) => String(value))
    .join('|');
}

/** EXPLAIN (ANALYZE, BUFFERS) of the statement `run` sends, captured with drizzle's query logger. */
async function explain(sql: postgres.Sql, run: (captured: Db) => Promise<unknown>): Promise<string> {
  let last: { query: string; params: unknown[] } | undefined;
  const logger = { logQuery: (query: string, params: unknown[]) => void (last = { query, params }) };
  await run(drizzle(sql, { schema, logger }) as unknown as Db);
  if (!last) return '(no query)';
  const plan = await sql.unsafe(`explain (analyze, buffers) ${last.query}`, last.params as never[]);
  return plan.map((row) => String(row['QUERY PLAN'])).join('\n');
}
