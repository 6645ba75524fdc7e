import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// docs/production.md ("Upgrading") tells an operator with a large outbox to build migration 0021's
// index beforehand, without locking writes, and then migrate. That sequence, with the statement
// exactly as the page gives it, on a database at the release before 0021 holding waiting events.
const migrations = fileURLToPath(new URL('../../db/migrations', import.meta.url));
const OUTBOX_CART_INDEX_MIGRATION = 21;
let admin: postgres.Sql;
let sql: postgres.Sql;
let name: string;
let before0021: string;

beforeAll(async () => {
  admin = postgres(inject('postgresUrl'), { max: 1, onnotice: () => {} });
  name = `cartflow_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/${name}`;
  sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  // The migrations folder as the release before 0021 shipped it: the same files, the journal cut short.
  before0021 = await mkdtemp(path.join(tmpdir(), 'cartflow-migrations-'));
  await cp(migrations, before0021, { recursive: true });
  const journalPath = path.join(before0021, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: Array<{ idx: number }> };
  journal.entries = journal.entries.filter((entry) => entry.idx < OUTBOX_CART_INDEX_MIGRATION);
  await writeFile(journalPath, JSON.stringify(journal));
});
afterAll(async () => {
  await sql?.end();
  await admin?.unsafe(`drop database if exists ${name} with (force)`);
  await admin?.end();
  if (before0021) await rm(before0021, { recursive: true, force: true });
});

/** The statement docs/production.md gives, as one line. */
async function documentedIndexStatement(): Promise<string> {
  const page = await readFile(fileURLToPath(new URL('../../docs/production.md', import.meta.url)), 'utf8');
  const statement = /`(CREATE INDEX CONCURRENTLY[^`]+)`/.exec(page)?.[1];
  if (!statement) throw new Error('docs/production.md no longer gives the CREATE INDEX CONCURRENTLY statement');
  return statement.replace(/\s+/g, ' ');
}

const outboxIndexes = () =>
  sql`select c.relname as name, i.indisvalid as valid from pg_index i
        join pg_class c on c.oid = i.indexrelid
       where i.indrelid = 'outbox'::regclass order by c.relname`;

describe('migration 0021 after the documented concurrent index build', () => {
  it('applies, keeps the index built beforehand and drops the one it replaces; the waiting events stay', async () => {
    const db = drizzle(sql);
    await migrate(db, { migrationsFolder: before0021 });
    expect((await outboxIndexes()).map(({ name }) => name)).toContain('outbox_pending_idx');
    await sql`insert into outbox (shop_id, event_id, cart_id, event)
      select 'shop-upgrade', 'evt-' || n, 'cart-' || (n % 50), '{}'::jsonb from generate_series(1, 500) n`;

    // CONCURRENTLY cannot run in a transaction: as psql sends it, on its own.
    await sql.unsafe(await documentedIndexStatement());
    await migrate(db, { migrationsFolder: migrations });

    const indexes = await outboxIndexes();
    expect(indexes).toContainEqual({ name: 'outbox_cart_idx', valid: true });
    expect(indexes.map(({ name }) => name)).not.toContain('outbox_pending_idx');
    const [{ waiting } = { waiting: 0 }] = await sql<
      Array<{ waiting: number }>
    >`select count(*)::int as waiting from outbox where delivered_at is null`;
    expect(waiting).toBe(500);
  });
});
