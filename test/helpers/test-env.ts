/**
 * The test suite's view of its own environment: DEBUG, an external DATABASE_URL, and what child
 * processes inherit. Tests are not cartflow processes, so they do not go through config/env.ts;
 * this file is the one place in test/ that reads process.env (test/unit/env-reads.test.ts checks).
 */

/** DEBUG set: SDK and app logs are shown instead of dropped. */
export const testDebug = Boolean(process.env.DEBUG);

/** A PostgreSQL the suite should use instead of starting a throwaway one. */
export const externalDatabaseUrl: string | undefined = process.env.DATABASE_URL || undefined;

/** This process's whole environment, for a child that should run as `npm run` would run it. */
export function inheritedEnv(): Record<string, string | undefined> {
  return { ...process.env };
}

/** Just enough environment for a child process to find node and a temp folder; the test adds the rest. */
export function minimalEnv(): Record<string, string | undefined> {
  return { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR };
}

/** A variable a child-process fixture cannot run without (set by the test that spawns it). */
export function requiredTestVariable(name: string, owner: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${owner}: ${name} is required`);
  return value;
}
