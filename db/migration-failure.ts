import fs from 'node:fs';
import path from 'node:path';

/**
 * A migration PostgreSQL refused, named. drizzle's own error says only "Failed query: <the whole
 * statement>", and its cause only PostgreSQL's words ("relation "outbox" already exists"): an
 * operator could not tell which file failed, nor that none of the run was applied.
 */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Runs drizzle's migrator; a statement it fails on is reported with the file it comes from. */
export async function namingFailedMigration(migrationsFolder: string, migrate: () => Promise<void>): Promise<void> {
  try {
    await migrate();
  } catch (error) {
    throw migrationErrorOf(error, migrationsFolder) ?? error;
  }
}

function migrationErrorOf(error: unknown, migrationsFolder: string): MigrationError | undefined {
  const query = (error as { query?: unknown } | null)?.query;
  const cause = (error as { cause?: unknown } | null)?.cause;
  // Only a statement PostgreSQL answered with an error: a lost connection is reported as such.
  if (typeof query !== 'string' || !(cause instanceof Error) || !('code' in cause)) return undefined;
  const failed = statementOf(query, migrationsFolder);
  const where = failed
    ? `migration ${failed.file} failed at its statement ${failed.statement}`
    : 'preparing the migrations failed (drizzle.__drizzle_migrations, its schema "drizzle")';
  const advice = failed
    ? 'cartflow needs a database of its own (DATABASE_URL), on which its user may create tables'
    : 'the database user needs the CREATE privilege on the database';
  return new MigrationError(
    `${where}: ${cause.message}. No migration of this run was applied (they run in one transaction); ${advice}`,
    { cause: error },
  );
}

/** The file (as db/migrations/<tag>.sql) and the 1-based statement drizzle ran as `query`. */
function statementOf(query: string, migrationsFolder: string): { file: string; statement: number } | undefined {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
    entries: Array<{ tag: string }>;
  };
  for (const { tag } of journal.entries) {
    // Split as drizzle's readMigrationFiles splits, so the statement text is the same string.
    const statements = fs
      .readFileSync(path.join(migrationsFolder, `${tag}.sql`), 'utf8')
      .split('--> statement-breakpoint');
    const index = statements.indexOf(query);
    if (index >= 0) return { file: `db/migrations/${tag}.sql`, statement: index + 1 };
  }
  return undefined;
}
