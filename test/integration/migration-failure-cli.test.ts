import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCartflow } from '../helpers/cartflow-cli';
import { createEmptyTestDatabase } from '../helpers/database';

// An operator who points DATABASE_URL at a database that is not cartflow's own (another app's, or
// one with a half-restored dump) must learn which migration failed and that nothing was applied:
// drizzle's own error names neither, only PostgreSQL's "relation "outbox" already exists".
let database: Awaited<ReturnType<typeof createEmptyTestDatabase>>;

beforeAll(async () => {
  database = await createEmptyTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe('cartflow migrate on a database that already has a table of the same name', () => {
  it('names the migration file and statement, says nothing was applied, and applies nothing', async () => {
    const { sql, url } = database;
    await sql`create table outbox (message text)`;
    const result = await runCartflow(['migrate'], { DATABASE_URL: url });

    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'cartflow: migration db/migrations/0011_outbox.sql failed at its statement 1: relation "outbox" already exists. ' +
        'No migration of this run was applied (they run in one transaction); ' +
        'cartflow needs a database of its own (DATABASE_URL), on which its user may create tables',
    );
    const [applied] = await sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
    expect(applied?.n).toBe(0);
    const tables = await sql<{ name: string }[]>`
      select table_name as name from information_schema.tables where table_schema = 'public'`;
    expect(tables.map((table) => table.name)).toEqual(['outbox']);
  });
});
