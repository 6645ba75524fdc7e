import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { fileURLToPath } from 'node:url';
import * as schema from './schema';

/** The drizzle database, whichever driver is behind it (postgres.js or embedded PGlite). */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  /** Applies the committed drizzle-kit migrations (idempotent). */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Where the data lives, for the start-up banner (credentials removed). */
  description: string;
}

export type DatabaseOptions = { url: string } | { pgliteDir: string };

/** DATABASE_URL, or else the embedded PGlite database under DATA_DIR: how every entry point finds it. */
export function configuredDatabase(config: { DATABASE_URL?: string; DATA_DIR: string }): DatabaseOptions {
  return config.DATABASE_URL ? { url: config.DATABASE_URL } : { pgliteDir: path.join(config.DATA_DIR, 'pglite') };
}

/** Opens and migrates the database, runs `use`, and closes it again: for one-shot commands. */
export async function withDatabase<T>(options: DatabaseOptions, use: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(options);
  try {
    await database.migrate();
    return await use(database);
  } finally {
    await database.close();
  }
}

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if ('url' in options) {
    const sql = postgres(options.url, { max: 10, onnotice: () => {} });
    const db = drizzlePostgres(sql, { schema });
    return {
      db: db as unknown as Db,
      migrate: () => migratePostgres(db, { migrationsFolder }),
      close: () => sql.end({ timeout: 5 }),
      description: redactUrl(options.url),
    };
  }
  await mkdir(options.pgliteDir, { recursive: true });
  const client = await PGlite.create(options.pgliteDir);
  const db = drizzlePglite(client, { schema });
  return {
    db: db as unknown as Db,
    migrate: () => migratePglite(db, { migrationsFolder }),
    close: () => client.close(),
    description: `PGlite in ${options.pgliteDir}`,
  };
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
