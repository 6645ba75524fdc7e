import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Database, openDatabase } from '../../db/client';

// Every cartflow process migrates at start, and a deploy starts several at once (worker, server,
// relay, replicas) on an empty or older database: each must start, none may die mid-migration.
const migrationsFolder = fileURLToPath(new URL('../../db/migrations', import.meta.url));
let admin: postgres.Sql;
let name: string;
let url: string;
const opened: Database[] = [];

beforeAll(async () => {
  admin = postgres(inject('postgresUrl'), { max: 1, onnotice: () => {} });
  name = `cartflow_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await admin.unsafe(`create database ${name}`);
  const parsed = new URL(inject('postgresUrl'));
  parsed.pathname = `/${name}`;
  url = parsed.toString();
});
afterAll(async () => {
  await Promise.all(opened.map((database) => database.close()));
  await admin?.unsafe(`drop database if exists ${name} with (force)`);
  await admin?.end();
});

describe('processes that start at once on an unmigrated database', () => {
  it('all migrate without error, and each migration is applied once', async () => {
    const processes = await Promise.all([1, 2, 3].map(() => openDatabase({ url })));
    opened.push(...processes);
    const results = await Promise.allSettled(processes.map((database) => database.migrate()));
    expect(results.map((result) => (result.status === 'rejected' ? String(result.reason) : 'ok'))).toEqual([
      'ok',
      'ok',
      'ok',
    ]);

    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ applied: number; distinct: number }[]>`
        select count(*)::int as applied, count(distinct hash)::int as distinct from drizzle.__drizzle_migrations`;
      const known = readMigrationFiles({ migrationsFolder }).length;
      expect(row).toEqual({ applied: known, distinct: known });
    } finally {
      await sql.end();
    }
  });
});
