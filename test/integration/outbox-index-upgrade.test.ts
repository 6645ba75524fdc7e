import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseBeforeMigration, databaseBeforeMigration } from '../helpers/database-before-migration';

// docs/production.md ("Upgrading") tells an operator with a large outbox to build migration 0021's
// index beforehand, without locking writes, and then migrate. That sequence, with the statement
// exactly as the page gives it, on a database at the release before 0021 holding waiting events.
let database: DatabaseBeforeMigration;
let sql: DatabaseBeforeMigration['sql'];

beforeAll(async () => {
  database = await databaseBeforeMigration(21);
  sql = database.sql;
});
afterAll(() => database?.drop());

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
    await database.migrateToReleaseBefore();
    expect((await outboxIndexes()).map(({ name }) => name)).toContain('outbox_pending_idx');
    await sql`insert into outbox (shop_id, event_id, cart_id, event)
      select 'shop-upgrade', 'evt-' || n, 'cart-' || (n % 50), '{}'::jsonb from generate_series(1, 500) n`;

    // CONCURRENTLY cannot run in a transaction: as psql sends it, on its own.
    await sql.unsafe(await documentedIndexStatement());
    await database.migrateToNow();

    const indexes = await outboxIndexes();
    expect(indexes).toContainEqual({ name: 'outbox_cart_idx', valid: true });
    expect(indexes.map(({ name }) => name)).not.toContain('outbox_pending_idx');
    const [{ waiting } = { waiting: 0 }] = await sql<
      Array<{ waiting: number }>
    >`select count(*)::int as waiting from outbox where delivered_at is null`;
    expect(waiting).toBe(500);
  });
});
