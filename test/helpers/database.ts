import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../db/client';

export interface TestDatabase extends Database {
  url: string;
  /** Raw SQL for assertions, the way an analyst or operator would look. */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

/** A fresh, empty (unmigrated) database on the real PostgreSQL server started by the global set-up. */
export async function createEmptyTestDatabase(): Promise<{ url: string; sql: postgres.Sql; drop(): Promise<void> }> {
  const adminUrl = inject('postgresUrl');
  const name = `cartflow_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
  return {
    url: url.toString(),
    sql,
    async drop() {
      await sql.end();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** A fresh, migrated database on the real PostgreSQL server started by the global set-up. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const empty = await createEmptyTestDatabase();
  const database = await openDatabase({ url: empty.url });
  await database.migrate();
  return {
    ...database,
    url: empty.url,
    sql: empty.sql,
    async drop() {
      await database.close();
      await empty.drop();
    },
  };
}
