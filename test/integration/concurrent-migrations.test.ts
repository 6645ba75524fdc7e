import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../db/client';
import { createEmptyTestDatabase } from '../helpers/database';

// Every cartflow process migrates at start, and a deploy starts several at once (worker, server,
// relay, replicas) on an empty or older database: each must start, none may die mid-migration.
const migrationsFolder = fileURLToPath(new URL('../../db/migrations', import.meta.url));
let empty: Awaited<ReturnType<typeof createEmptyTestDatabase>>;
let url: string;
const opened: Database[] = [];

beforeAll(async () => {
  empty = await createEmptyTestDatabase();
  url = empty.url;
});
afterAll(async () => {
  await Promise.all(opened.map((database) => database.close()));
  await empty?.drop();
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
