import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { type Db, rowsOf } from './client';

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

export interface MigrationStatus {
  /** Migrations in this code's journal (db/migrations/meta/_journal.json). */
  known: number;
  /** Journal entries newer than the newest row of drizzle.__drizzle_migrations: not applied yet. */
  pending: number;
}

/**
 * Compares the committed journal with what drizzle recorded in the database, the way drizzle's
 * migrator decides what to apply: every migration newer than the newest applied one is pending.
 */
export async function migrationStatus(db: Db): Promise<MigrationStatus> {
  const known = readMigrationFiles({ migrationsFolder });
  let result;
  try {
    result = await db.execute(sql`select max(created_at)::text as newest from drizzle.__drizzle_migrations`);
  } catch (error) {
    // No migration table (or schema) yet: nothing was ever applied.
    if (['42P01', '3F000'].includes(String((error as { code?: unknown }).code))) {
      return { known: known.length, pending: known.length };
    }
    throw error;
  }
  const rows = rowsOf<{ newest: string | null }>(result);
  const newest = Number(rows[0]?.newest ?? 0);
  return { known: known.length, pending: known.filter((migration) => migration.folderMillis > newest).length };
}
