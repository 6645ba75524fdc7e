import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';

// Migration 0016 on a database that already holds the rows the old code wrote: a crashed attempt's
// claim turned `skipped` (it carries the claim's Message-ID) beside a plain skip (Message-ID '-').
const migrations = fileURLToPath(new URL('../../db/migrations', import.meta.url));
const UNCONFIRMED_MIGRATION = 16;
let admin: postgres.Sql;
let sql: postgres.Sql;
let name: string;
let before0016: string;

beforeAll(async () => {
  admin = postgres(inject('postgresUrl'), { max: 1, onnotice: () => {} });
  name = `cartflow_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/${name}`;
  sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  // The migrations folder as it was before 0016: the same files, the journal cut short.
  before0016 = await mkdtemp(path.join(tmpdir(), 'cartflow-migrations-'));
  await cp(migrations, before0016, { recursive: true });
  const journalPath = path.join(before0016, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: Array<{ idx: number }> };
  journal.entries = journal.entries.filter((entry) => entry.idx < UNCONFIRMED_MIGRATION);
  await writeFile(journalPath, JSON.stringify(journal));
});
afterAll(async () => {
  await sql?.end();
  await admin?.unsafe(`drop database if exists ${name} with (force)`);
  await admin?.end();
  if (before0016) await rm(before0016, { recursive: true, force: true });
});

describe('migration 0016 (unconfirmed messages)', () => {
  it('turns old skipped rows that carry a dead attempt’s claim unconfirmed (a released claim stays skipped), and the funnel counts them apart', async () => {
    const db = drizzle(sql);
    await migrate(db, { migrationsFolder: before0016 });
    const row = (key: string, status: string, messageIdHeader: string, reason: string | null, claimedAt = new Date()) =>
      sql`insert into messages (key, shop_id, cart_id, step, template_id, template_version, status,
          message_id_header, reason, campaign_id, campaign_version, claimed_at)
        values (${key}, 'shop-m', ${key}, 'reminder', 'cart-reminder', 'v1', ${status}, ${messageIdHeader}, ${reason},
          'b2c-cart', 1, ${claimedAt.toISOString()})`;
    await row('crashed-then-skipped', 'skipped', '<cart.shop-m.crashed@mail.example.com>', 'newer_cart');
    // The mail server was down: every attempt released its claim, then the step expired.
    await row('released-then-expired', 'skipped', '<cart.shop-m.released@mail.example.com>', 'expired', new Date(0));
    await row('plain-skip', 'skipped', '-', 'no_consent');
    await row('sent', 'sent', '<cart.shop-m.sent@mail.example.com>', null);

    await migrate(db, { migrationsFolder: migrations });

    expect(await sql`select key, status, reason from messages order by key`).toEqual([
      { key: 'crashed-then-skipped', status: 'unconfirmed', reason: 'newer_cart' },
      { key: 'plain-skip', status: 'skipped', reason: 'no_consent' },
      { key: 'released-then-expired', status: 'skipped', reason: 'expired' },
      { key: 'sent', status: 'sent', reason: null },
    ]);
    expect(
      await sql`select reached, sent, skipped, unconfirmed from campaign_step_daily where shop_id = 'shop-m'`,
    ).toEqual([{ reached: 4, sent: 1, skipped: 2, unconfirmed: 1 }]);
  });
});
