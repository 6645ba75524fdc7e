import { spawn } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase } from '../db/client';
import { benchNumber, childBenchEnv, machineLine } from './bench-env';
import { freePort, script } from './chains-support';
import { seedIntakeTables } from './plan-audit-seed';
import { days, firstDay, seed, seedSize, shopId as seededShop } from './report-seed';

// `node --import tsx bench/plan-audit.ts`: which of cartflow's statements read a whole large table
// under the plan PostgreSQL may keep for a prepared statement. postgres.js prepares every
// statement; after five runs PostgreSQL may plan it once for all values (a generic plan), which
// cannot see the values bound to its parameters: a LIMIT, an address, a shop. A statement whose
// generic plan reads a whole table works in tests and on a new shop, and slows down with the
// shop's history (the relay's claim did: BENCHMARKS.md, "The relay's claim under a generic plan").
//
// Method: a throwaway PostgreSQL (the test suite's settings); a database seeded with bench/report.ts's
// history (MESSAGES=200000 messages, 5 tracking events each, their chains, customers and orders)
// plus carts, three webhooks per chain, their delivered outbox rows and discount codes; that
// database set to `plan_cache_mode = force_generic_plan` with auto_explain logging every plan; then
// `cartflow demo` (CUSTOMERS=400 simulated customers: webhooks, the relay, chains, sends, opens,
// clicks, unsubscribes, orders and the report) run against it. Output: every statement the demo
// ran whose plan has a sequential scan on one of the seeded tables, with its runs and time.

const MESSAGES = benchNumber('MESSAGES', 200_000);
const CUSTOMERS = benchNumber('CUSTOMERS', 400);
const SEEDED = new Set([
  'cart_events',
  'carts',
  'chains',
  'customers',
  'delivery_events',
  'discount_codes',
  'messages',
  'orders',
  'outbox',
  'tracking_events',
]);
const root = path.resolve(import.meta.dirname, '..');

const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-plan-audit-'));
const adminUrl = await script('test-postgres.sh', ['start', dir, String(await freePort())]);
try {
  const name = 'cartflow_plan_audit';
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  await database.migrate();
  await database.close();
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  await seed(sql, seedSize(MESSAGES, 1), (line) => process.stderr.write(`${line}\n`));
  await seedIntakeTables(sql);
  await sql.end();
  // LOAD registers auto_explain's settings, so that the database may carry them.
  await admin.unsafe(`load 'auto_explain'`);
  for (const setting of [
    `session_preload_libraries = 'auto_explain'`,
    'auto_explain.log_min_duration = 0',
    'auto_explain.log_nested_statements = on',
    'plan_cache_mode = force_generic_plan',
  ]) {
    await admin.unsafe(`alter database ${name} set ${setting}`);
  }
  await admin.end();
  const log = path.join(dir, 'server.log');
  const logStart = (await stat(log)).size;

  process.stderr.write(`cartflow demo, ${CUSTOMERS} customers …\n`);
  const demoStatus = await runDemo(url.toString());
  // The report's statements on the seeded shop's whole history and on the demo's shop, run here
  // too: a demo that ends early on a loaded machine never reaches its report.
  const reportStatus = [
    await runReport(url.toString(), [
      '--shop',
      seededShop,
      '--since',
      firstDay,
      '--until',
      lastSeededDay(),
      '--format',
      'json',
    ]),
    await runReport(url.toString(), ['--shop', 'demo', '--format', 'csv']),
  ].join('; ');
  const plans = parsePlans((await readFile(log, 'utf8')).slice(logStart));
  process.stdout.write(report(plans, `${demoStatus}; ${reportStatus}`));
} finally {
  await script('test-postgres.sh', ['stop', dir]);
}
process.exit(0);

function runReport(databaseUrl: string, args: string[]): Promise<string> {
  const run = `cartflow report ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/cartflow.js', 'report', ...args], {
      cwd: root,
      env: childBenchEnv({ DATABASE_URL: databaseUrl }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve(code === 0 ? `${run} ran` : `${run} failed: ${stderr.trim()}`));
  });
}

/** The last UTC day of the seeded history (its chains start on `days` days from `firstDay`). */
function lastSeededDay(): string {
  return new Date(Date.parse(`${firstDay}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function runDemo(databaseUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['bin/cartflow.js', 'demo', '--exit', '--customers', String(CUSTOMERS), '--database-url', databaseUrl],
      { cwd: root, env: childBenchEnv({}), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve(code === 0 ? 'the demo ran to its report' : `the demo failed: ${stderr.trim()}`),
    );
  });
}

interface StatementPlans {
  runs: number;
  totalMs: number;
  maxMs: number;
  scanned: Set<string>;
}

/** auto_explain's entries (`duration: … ms  plan:`, `Query Text: …`, the plan) by statement text. */
function parsePlans(text: string): Map<string, StatementPlans> {
  const byStatement = new Map<string, StatementPlans>();
  for (const entry of text.split(/\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)/)) {
    const head = /duration: ([\d.]+) ms\s+plan:\s*\n\s*Query Text: ([\s\S]*)$/.exec(entry);
    if (!head) continue;
    // The plan starts at the first line shaped like a plan node: `Name  (cost=…`.
    const lines = head[2]!.split('\n');
    const planAt = lines.findIndex((line) => /^\s*(->\s*)?[A-Z][\w ]*?(on \S+.*)?\s+\(cost=/.test(line));
    const query = (planAt < 0 ? lines : lines.slice(0, planAt)).join(' ').replace(/\s+/g, ' ').trim();
    const plan = planAt < 0 ? '' : lines.slice(planAt).join('\n');
    const ms = Number(head[1]);
    const key = query.slice(0, 160);
    const found = byStatement.get(key) ?? { runs: 0, totalMs: 0, maxMs: 0, scanned: new Set<string>() };
    found.runs += 1;
    found.totalMs += ms;
    found.maxMs = Math.max(found.maxMs, ms);
    for (const match of plan.matchAll(/Seq Scan on (\w+)/g)) if (SEEDED.has(match[1]!)) found.scanned.add(match[1]!);
    byStatement.set(key, found);
  }
  return byStatement;
}

function report(plans: Map<string, StatementPlans>, demoStatus: string): string {
  const scanning = [...plans]
    .filter(([, found]) => found.scanned.size > 0)
    .sort(([, a], [, b]) => b.totalMs - a.totalMs);
  const runs = [...plans.values()].reduce((sum, found) => sum + found.runs, 0);
  const rows = scanning.map(
    ([query, found]) =>
      `| ${[...found.scanned].sort().join(', ')} | ${found.runs} | ${found.totalMs.toFixed(0)} ms | ${found.maxMs.toFixed(1)} ms | \`${query.replace(/\|/g, '\\|')}\` |`,
  );
  return (
    `${machineLine()}; ${MESSAGES.toLocaleString('en')} seeded messages, ${CUSTOMERS} demo customers; ${demoStatus}\n\n` +
    `${plans.size} statements, ${runs.toLocaleString('en')} plans logged; ${scanning.length} read a seeded table whole:\n\n` +
    '| sequential scan on | runs | time | slowest | statement (start) |\n|---|---:|---:|---:|---|\n' +
    `${rows.join('\n')}\n`
  );
}
