import path from 'node:path';
import type { SQL } from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { fileURLToPath } from 'node:url';
import { openEmbedded } from './embedded';
import { namingFailedMigration } from './migration-failure';
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
  /** This process opened the embedded folder and serves it: every other process goes through it. */
  servesEmbedded?: boolean;
}

/**
 * A Postgres URL, or the embedded PGlite folder. `servePort` (only `npm start`): open the folder and
 * serve it on 127.0.0.1 for the other processes; without it, connect to whoever serves it.
 */
export type DatabaseOptions = { url: string } | { pgliteDir: string; servePort?: number };

/**
 * DATABASE_URL, or else the embedded PGlite database under DATA_DIR: how every entry point finds it.
 * `serve`: this process is the one that serves the embedded database (on EMBEDDED_DB_PORT).
 */
export function configuredDatabase(
  config: { DATABASE_URL?: string; DATA_DIR: string; EMBEDDED_DB_PORT: number },
  options: { serve?: boolean } = {},
): DatabaseOptions {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL };
  const pgliteDir = path.join(config.DATA_DIR, 'pglite');
  return options.serve ? { pgliteDir, servePort: config.EMBEDDED_DB_PORT } : { pgliteDir };
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
    return openPostgres({ url: options.url, max: 10, description: redactUrl(options.url), lockMigrations: true });
  }
  const embedded = await openEmbedded(options);
  const where = `PGlite in ${options.pgliteDir}`;
  switch (embedded.kind) {
    case 'direct': {
      const db = drizzlePglite(embedded.client, { schema });
      return {
        db: db as unknown as Db,
        migrate: () => namingFailedMigration(migrationsFolder, () => migratePglite(db, { migrationsFolder })),
        close: embedded.close,
        description: where,
      };
    }
    case 'connect':
      // PGlite runs one statement at a time whatever the pool size, and every extra connection
      // is another chance for the socket server to interleave protocol messages: one is enough.
      return openPostgres({
        url: embedded.url,
        max: 1,
        description: `${where}, through process ${embedded.holder.pid} at ${embedded.url}`,
      });
    case 'served': {
      const database = await openPostgres({
        url: embedded.url,
        max: 1,
        description: `${where}, served at ${embedded.url} (psql, BI tools and the cartflow CLIs connect there)`,
      });
      return {
        ...database,
        close: () => database.close().finally(embedded.close),
        servesEmbedded: true,
      };
    }
  }
}

/** pg_advisory_lock key of the migrations: any fixed number no other program on the database uses. */
const MIGRATION_LOCK = 0x6361_7274_666c_6f77n; // "cartflow"

/**
 * `lockMigrations`: every process migrates at start, and several start at once (a deploy, a
 * scale-out). drizzle reads what is applied before its transaction, so two of them would both
 * apply the same migration and one would die on `duplicate key … pg_type_typname_nsp_index`. A
 * session advisory lock on a connection of its own makes them take turns; the second then finds
 * nothing to apply. (Not for embedded PGlite: one process serves it, its clients share one session.)
 */
function openPostgres(options: { url: string; max: number; description: string; lockMigrations?: boolean }): Database {
  const sql = postgres(options.url, { max: options.max, onnotice: () => {} });
  const db = drizzlePostgres(sql, { schema });
  const migrate = () => namingFailedMigration(migrationsFolder, () => migratePostgres(db, { migrationsFolder }));
  return {
    db: db as unknown as Db,
    migrate: options.lockMigrations ? () => withMigrationLock(options.url, migrate) : migrate,
    close: () => sql.end({ timeout: 5 }),
    description: options.description,
  };
}

async function withMigrationLock(url: string, migrate: () => Promise<void>): Promise<void> {
  const lock = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await lock`select pg_advisory_lock(${MIGRATION_LOCK.toString()}::bigint)`;
    // Released with the session when the connection ends, also if the migration fails.
    await migrate();
  } finally {
    await lock.end({ timeout: 5 });
  }
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** The rows of a raw `db.execute(sql…)`: postgres.js returns the rows themselves, PGlite an object holding them. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

// Stateless: turns drizzle's `sql` into text and parameters.
const rawDialect = new PgDialect();

/**
 * A hot statement run as the named prepared statement `name` (postgres.js: parsed once per
 * connection, then each run is one Bind + Execute in one write). drizzle's `execute` sends every
 * raw query unnamed, which postgres.js does as Parse + Describe, a wait for the answer, then Bind +
 * Execute: two round trips and two socket writes. Its text and parameter list are built from
 * `query` once, here; each run only fills in the `sql.placeholder(…)` values (drizzle's `sql`
 * template and its conversion to text cost about 8 µs a run for the cart.updated statement). Only
 * for a statement whose text never changes (the server keeps one prepared statement per name and
 * connection). PGlite runs it as `execute` does.
 */
export function preparedStatement<Values extends Record<string, unknown>>(name: string, query: SQL) {
  const built = rawDialect.sqlToQuery(query);
  return (db: { _: Db['_'] }, values: Values): Promise<unknown> =>
    db._.session.prepareQuery(built, undefined, name, false).execute(values);
}

/**
 * Runs `query` as the named prepared statement `name`, its text built from `query` on each run:
 * for a statement whose text is always the same but whose values are spliced in by drizzle's
 * `sql` (db/step-facts.ts). One round trip, parsed once per connection, as preparedStatement's.
 */
export function executePrepared(db: { _: Db['_'] }, name: string, query: SQL): Promise<unknown> {
  return db._.session.prepareQuery(rawDialect.sqlToQuery(query), undefined, name, false).execute();
}
