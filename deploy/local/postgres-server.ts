import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { freePort } from './free-port';
import type { PostgresEndpoint } from './temporal-postgres';

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** A throwaway cluster in `dir` (scripts/test-postgres.sh); `stop` deletes it. */
export async function startPostgres(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const script = path.join(root, 'scripts', 'test-postgres.sh');
  // A cluster left by a run that was killed: the stack is throwaway, start afresh.
  await run('bash', [script, 'stop', dir]);
  const { stdout } = await run('bash', [script, 'start', dir, String(await freePort())]);
  return {
    url: stdout.trim().split('\n').at(-1) ?? '',
    stop: async () => {
      await run('bash', [script, 'stop', dir]);
    },
  };
}

/** Host, port and role of a postgres:// URL, for temporal-sql-tool and the Temporal server. */
export function postgresEndpoint(url: string): PostgresEndpoint {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

/** The same server and role, another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates the database unless it exists. `name` must be a plain identifier. */
export async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [existing] = await sql`select 1 from pg_database where datname = ${name}`;
    if (!existing) await sql.unsafe(`create database "${name}"`);
  } finally {
    await sql.end();
  }
}
