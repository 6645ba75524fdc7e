import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCartflow } from '../helpers/cartflow-cli';

// An operator who points DATABASE_URL at a database that is not cartflow's own (another app's, or
// one with a half-restored dump) must learn which migration failed and that nothing was applied:
// drizzle's own error names neither, only PostgreSQL's "relation "outbox" already exists".
let admin: postgres.Sql;
let name: string;
let url: string;

beforeAll(async () => {
  admin = postgres(inject('postgresUrl'), { max: 1, onnotice: () => {} });
  name = `cartflow_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await admin.unsafe(`create database ${name}`);
  const parsed = new URL(inject('postgresUrl'));
  parsed.pathname = `/${name}`;
  url = parsed.toString();
});
afterAll(async () => {
  await admin?.unsafe(`drop database if exists ${name} with (force)`);
  await admin?.end();
});

describe('cartflow migrate on a database that already has a table of the same name', () => {
  it('names the migration file and statement, says nothing was applied, and applies nothing', async () => {
    const other = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await other`create table outbox (message text)`;
      const result = await runCartflow(['migrate'], { DATABASE_URL: url });

      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        'cartflow: migration db/migrations/0011_outbox.sql failed at its statement 1: relation "outbox" already exists. ' +
          'No migration of this run was applied (they run in one transaction); ' +
          'cartflow needs a database of its own (DATABASE_URL), on which its user may create tables',
      );
      const [applied] = await other<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
      expect(applied?.n).toBe(0);
      const tables = await other<{ name: string }[]>`
        select table_name as name from information_schema.tables where table_schema = 'public'`;
      expect(tables.map((table) => table.name)).toEqual(['outbox']);
    } finally {
      await other.end();
    }
  });
});
