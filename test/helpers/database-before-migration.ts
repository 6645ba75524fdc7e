import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PostgresJsDatabase, drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { inject } from 'vitest';

const migrations = fileURLToPath(new URL('../../db/migrations', import.meta.url));

/** A new database on the test server, and the migrations up to a release as it shipped them. */
export interface DatabaseBeforeMigration {
  sql: postgres.Sql;
  db: PostgresJsDatabase;
  /** Applies the migrations before `migration`: the database of the release before it. */
  migrateToReleaseBefore(): Promise<void>;
  /** Applies every migration of this release. */
  migrateToNow(): Promise<void>;
  drop(): Promise<void>;
}

/**
 * For a migration's test on the rows or indexes the release before left: the migrations folder
 * copied with its journal cut before `migration` (its number, e.g. 16 for 0016_…).
 */
export async function databaseBeforeMigration(migration: number): Promise<DatabaseBeforeMigration> {
  const admin = postgres(inject('postgresUrl'), { max: 1, onnotice: () => {} });
  const name = `cartflow_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const before = await mkdtemp(path.join(tmpdir(), 'cartflow-migrations-'));
  await cp(migrations, before, { recursive: true });
  const journalPath = path.join(before, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: Array<{ idx: number }> };
  journal.entries = journal.entries.filter((entry) => entry.idx < migration);
  await writeFile(journalPath, JSON.stringify(journal));
  const db = drizzle(sql);
  return {
    sql,
    db,
    migrateToReleaseBefore: () => migrate(db, { migrationsFolder: before }),
    migrateToNow: () => migrate(db, { migrationsFolder: migrations }),
    async drop() {
      await sql.end();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
      await rm(before, { recursive: true, force: true });
    },
  };
}
