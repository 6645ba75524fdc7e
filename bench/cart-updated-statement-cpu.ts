import { createHash } from 'node:crypto';
import { readFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { openDatabase } from '../db/client';
import type { CartUpdatedInput, CartUpdatedOutcome } from '../db/cart-updated-statement';
import { CartEvent } from '../domain/events';
import { benchNumber, machineLine, requiredBenchVariable } from './bench-env';
import { freePort, root, script } from './chains-support';

// `BASE_DIR=<another checkout> node --import tsx bench/cart-updated-statement-cpu.ts`: PostgreSQL's
// CPU per event of db/cart-updated-statement.ts in this checkout against the same file in BASE_DIR
// (e.g. a `git worktree add` of the commit before a change), on one throwaway PostgreSQL with the
// test suite's settings (fsync off: the statement's CPU is measured, not a commit's). Each
// side has its own database, migrated by its own checkout (an index the change adds is measured
// with it), and its own connection; batch by batch the two run in turn (the order swapped every batch),
// so whatever else the machine does falls on both alike, and each backend's CPU comes from /proc.
// Two kinds of batch: every event a new cart and customer (the intake bench's shape), and every
// event a newer snapshot of one of 2,000 carts already stored (a shop whose customers keep
// changing their carts). BATCHES=600 batches of BATCH_SIZE=10 per round, ROUNDS=3. The client's
// CPU (this process, around each side's statement call only: building its parameters, postgres.js
// serializing them and reading the answer) is measured too, per side.

const BATCHES = benchNumber('BATCHES', 600);
const BATCH_SIZE = benchNumber('BATCH_SIZE', 10);
const ROUNDS = benchNumber('ROUNDS', 3);
const REPEATED_CARTS = 2000;
const TICKS_MS = 10; // /proc counts CPU in 1/100 s

type Statement = (db: unknown, inputs: readonly CartUpdatedInput[]) => Promise<CartUpdatedOutcome[]>;
type Kind = 'new carts' | 'repeated carts';

async function statementOf(dir: string): Promise<Statement> {
  const module = (await import(path.join(dir, 'db/cart-updated-statement.ts'))) as {
    storeCartUpdatedStatement: Statement;
  };
  return module.storeCartUpdatedStatement;
}

async function backendCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICKS_MS;
}

let serial = 0;
const runId = Date.now().toString(36);

function batchOf(kind: Kind): CartUpdatedInput[] {
  return Array.from({ length: BATCH_SIZE }, () => {
    const n = serial++;
    // One batch never holds two events for one cart: consecutive serials, fewer than 2,000 a batch.
    const key = kind === 'new carts' ? `${runId}-${n}` : `repeated-${n % REPEATED_CARTS}`;
    const payload = {
      id: `evt-${runId}-${n}`,
      type: 'cart.updated',
      data: {
        id: `cart-${key}`,
        currency: 'EUR',
        items: [{ sku: 'TEE-BLK-M', name: 'Organic cotton T-shirt', quantity: 2, unitPrice: '19.90' }],
        total: '39.80',
        recoveryUrl: 'https://shop.example.com/cart/recover?token=t0k3n',
        customer: { email: `c-${key}@bench.example.com`, name: "Zoë O'Brien & Søn", marketingConsent: true },
        updatedAt: new Date(Date.now() + n).toISOString(),
      },
    };
    const event = CartEvent.parse(payload);
    if (event.type !== 'cart.updated') throw new Error('not a cart.updated event');
    const eventJson = JSON.stringify(event);
    const payloadHash = createHash('sha256').update(eventJson).digest('hex');
    return { shopId: 'bench-statement', event, eventJson, payload, payloadHash };
  });
}

// One database per side, migrated by that side's own migrations (so an index a change adds is
// measured with it), and one connection per side: its backend's CPU is that side's.
async function side(label: string, dir: string, adminUrl: string) {
  const name = `bench_statement_${label === 'BASE_DIR' ? 'base' : 'this'}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const { openDatabase: openSideDatabase } = (await import(path.join(dir, 'db/client.ts'))) as {
    openDatabase: typeof openDatabase;
  };
  const setup = await openSideDatabase({ url: url.toString() });
  await setup.migrate();
  await setup.close();
  const connection = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const [row] = await connection<Array<{ pid: number }>>`select pg_backend_pid() as pid`;
  return { label, statement: await statementOf(dir), db: drizzle(connection), connection, pid: Number(row?.pid) };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-bench-statement-pg-'));
const url = await script('test-postgres.sh', ['start', dir, String(await freePort())]);
const lines: string[] = [];
try {
  const sides = [
    await side('this checkout', root, url),
    await side('BASE_DIR', requiredBenchVariable('BASE_DIR', 'bench'), url),
  ];
  const clientMicros = new Map<string, number>();
  const run = async (s: (typeof sides)[number], kind: Kind) => {
    const batch = batchOf(kind);
    const cpu0 = process.cpuUsage();
    const outcomes = await s.statement(s.db, batch);
    const cpu = process.cpuUsage(cpu0);
    clientMicros.set(s.label, (clientMicros.get(s.label) ?? 0) + cpu.user + cpu.system);
    if (outcomes.some((outcome) => !outcome.inserted)) throw new Error(`${s.label}: an event was not stored`);
  };
  // The repeated carts exist before they are measured; and each side's prepared statement is past
  // PostgreSQL's first five custom plans, on the generic plan it keeps.
  for (const s of sides) {
    serial = 0;
    for (let i = 0; i < REPEATED_CARTS / BATCH_SIZE; i++) await run(s, 'repeated carts');
  }
  for (const s of sides) for (let i = 0; i < 10; i++) await run(s, 'new carts');
  for (const kind of ['new carts', 'repeated carts'] as const) {
    for (let round = 1; round <= ROUNDS; round++) {
      const before = await Promise.all(sides.map((s) => backendCpuMs(s.pid)));
      clientMicros.clear();
      for (let i = 0; i < BATCHES; i++) {
        for (const s of i % 2 === 0 ? sides : [...sides].reverse()) await run(s, kind);
      }
      const perEvent = await Promise.all(
        sides.map(async (s, k) => (((await backendCpuMs(s.pid)) - before[k]!) * 1000) / (BATCHES * BATCH_SIZE)),
      );
      const client = sides.map((s) => (clientMicros.get(s.label) ?? 0) / (BATCHES * BATCH_SIZE));
      lines.push(
        `| ${kind} | ${round} | ${perEvent[0]!.toFixed(1)} µs | ${perEvent[1]!.toFixed(1)} µs | ${(perEvent[0]! / perEvent[1]!).toFixed(3)} | ${client[0]!.toFixed(1)} µs | ${client[1]!.toFixed(1)} µs | ${(client[0]! / client[1]!).toFixed(3)} |`,
      );
    }
  }
  for (const s of sides) await s.connection.end();
} finally {
  await script('test-postgres.sh', ['stop', dir]);
}
process.stdout.write(
  `${machineLine()}; ${BATCHES} batches of ${BATCH_SIZE} per round\n\n` +
    '| batch | round | PostgreSQL CPU per event, this checkout | BASE_DIR | ratio | client CPU per event, this checkout | BASE_DIR | ratio |\n' +
    `|---|---:|---:|---:|---:|---:|---:|---:|\n${lines.join('\n')}\n`,
);
process.exit(0);
