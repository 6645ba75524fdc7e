import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { recordChainEnd } from '../db/chain-store';
import { type Db, openDatabase } from '../db/client';
import { type ClaimSendInput, claimSend, recordSent } from '../db/message-store';
import { chains, messages } from '../db/schema';
import { freePort, script } from './chains-support';

// The writes of one sent step (claim the message row, record it sent, end the chain's row) as the
// step makes them, against the same writes through drizzle's query builder as they were made
// before (built anew on every run). Alternating blocks on one throwaway PostgreSQL; the figure is
// this process's CPU per step (client side: query building, postgres.js), not the server's.
//
//   npx tsx bench/step-writes.ts [rounds=5] [steps=400]

const [rounds = 5, steps = 400] = process.argv.slice(2).map(Number);

const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-bench-pg-'));
const url = await script('test-postgres.sh', ['start', dir, String(await freePort())]);
const database = await openDatabase({ url });
try {
  await database.migrate();
  const { db } = database;
  const sides = { builder: builderWrites, prepared: preparedWrites };
  const samples: Record<keyof typeof sides, number[]> = { builder: [], prepared: [] };
  let serial = 0;
  const block = async (name: keyof typeof sides, count: number) => {
    const keys = Array.from({ length: count }, () => `bench:step-writes:${(serial += 1)}`);
    await db.insert(chains).values(
      keys.map((key) => ({
        workflowId: key,
        shopId: 'bench',
        cartId: key,
        customerId: null,
        trigger: 'cart.abandoned',
        campaignId: 'bench',
        campaignVersion: 1,
        segment: 'everyone',
      })),
    );
    const before = process.cpuUsage();
    for (const key of keys) await sides[name](db, key);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / count;
  };
  for (const name of ['builder', 'prepared'] as const) await block(name, 100); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const name of ['builder', 'prepared'] as const) samples[name].push(await block(name, steps));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  process.stdout.write(`client CPU per sent step's writes (claim, sent, chain end), ${rounds} rounds of ${steps}:\n`);
  for (const [name, values] of Object.entries(samples)) {
    process.stdout.write(
      `  ${name}: ${median(values).toFixed(3)} ms (${values.map((v) => v.toFixed(3)).join(', ')})\n`,
    );
  }
} finally {
  await database.close();
  await script('test-postgres.sh', ['stop', dir]);
}

function claimOf(key: string): ClaimSendInput {
  return {
    id: undefined,
    key,
    shopId: 'bench',
    cartId: key,
    customerId: null,
    recipient: 'zoë.o’brien@bench.example.com',
    step: 'reminder',
    templateId: 'cart-reminder',
    templateVersion: 'v1-0123456789abcdef',
    locale: 'en',
    subjectVariant: 0,
    links: ['https://shop.example.com/cart/recover?token=t0k3n', 'https://shop.example.com/'],
    messageIdHeader: `<${key}@bench.example.com>`,
    kind: 'marketing',
    recipientRole: 'customer',
    campaignId: 'bench-consumer',
    campaignVersion: 1,
    segment: 'everyone',
    workflowId: key,
    variant: null,
    currency: 'EUR',
    attributionWindowSeconds: 432_000,
    attributionTouch: 'click',
  };
}

async function preparedWrites(db: Db, key: string) {
  await claimSend(db, claimOf(key));
  await recordSent(db, { key, smtpResponse: '250 2.0.0 Ok: queued' });
  await recordChainEnd(db, { workflowId: key, outcome: 'completed' });
}

/** The three writes as drizzle's builder made them before (commit 4a28eef). */
async function builderWrites(db: Db, key: string) {
  const { id: _, ...claim } = claimOf(key);
  await db
    .insert(messages)
    .values({ ...claim, status: 'sending' })
    .onConflictDoNothing({ target: messages.key })
    .returning({ id: messages.id })
    .prepare('bench_builder_claim')
    .execute();
  await db
    .update(messages)
    .set({ status: 'sent', smtpResponse: '250 2.0.0 Ok: queued', sentAt: sql`now()` })
    .where(eq(messages.key, key))
    .prepare('bench_builder_sent')
    .execute();
  await db
    .update(chains)
    .set({ status: 'finished', outcome: 'completed', finishedAt: sql`now()` })
    .where(and(eq(chains.workflowId, key), eq(chains.status, 'active')))
    .prepare('bench_builder_chain_end')
    .execute();
}
