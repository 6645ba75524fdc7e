import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { cartSearchAttributeKeys } from '../app/search-attributes';
import { startTemporalDevServer } from '../app/temporal-dev-server';
import { freePort } from './helpers/free-port';
import { quietTimeSkippingServer } from './helpers/quiet-time-skipping-server';
import { externalDatabaseUrl } from './helpers/test-env';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of a real PostgreSQL server; each test file creates its own database on it. */
    postgresUrl: string;
    /** A real Temporal dev server (Temporal CLI) shared by the end-to-end tests. */
    temporalAddress: string;
    /** Launcher of the Java time-skipping test server, for workflow tests. */
    timeSkippingServerPath: string;
    /** Debian's Chromium (installed by scripts/chromium.sh when missing), for the template preview page. */
    chromiumPath: string;
  }
}

async function script(name: string, args: string[] = []): Promise<string> {
  const { stdout } = await run('bash', [path.join(root, 'scripts', name), ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim().split('\n').at(-1) ?? '';
}

type Servers = { context: Record<keyof import('vitest').ProvidedContext, string>; stop: () => Promise<void> };

/**
 * Starts the real components every integration test needs: PostgreSQL (DATABASE_URL when set,
 * else a throwaway cluster), and the Temporal servers obtained by scripts/ (cached in .cache/).
 * Installs Chromium and SpamAssassin from Debian's packages when missing (the template tests).
 */
async function startServers(): Promise<Servers> {
  // SpamAssassin goes after Chromium: both may run apt-get, which holds a lock while it installs.
  const [cliPath, timeSkippingServerPath, chromiumPath] = await Promise.all([
    script('temporal-cli.sh'),
    script('temporal-test-server.sh'),
    // Debian packages one after the other: apt holds one lock.
    script('chromium.sh').then(async (chromium) => {
      await script('spamassassin.sh');
      return chromium;
    }),
    // For test/e2e/production-stack.test.ts, which runs it itself: built here, before any test
    // runs, so the first build (minutes) does not compete with tests for the CPU. Cached after.
    script('temporal-server.sh'),
  ]);

  let postgresUrl = externalDatabaseUrl;
  let stopPostgres = async () => {};
  if (!postgresUrl) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-pg-'));
    postgresUrl = await script('test-postgres.sh', ['start', dir, String(await freePort())]);
    stopPostgres = async () => {
      await script('test-postgres.sh', ['stop', dir]);
    };
  }

  // Its output goes to a log file (the error names it): a passing run stays quiet.
  const temporal = await startTemporalDevServer({
    binary: cliPath,
    searchAttributes: cartSearchAttributeKeys,
    sqlitePragmas: { journal_mode: 'WAL', synchronous: 'OFF' },
    pickPort: () => freePort(),
    startTimeoutMs: 120_000,
  });

  const timeSkipping = await quietTimeSkippingServer(timeSkippingServerPath);
  return {
    context: {
      postgresUrl,
      temporalAddress: temporal.address,
      timeSkippingServerPath: timeSkipping.path,
      chromiumPath,
    },
    stop: async () => {
      await temporal.teardown();
      await stopPostgres();
      await timeSkipping.remove();
    },
  };
}

// The integration and e2e projects each list this file; Vitest loads it once per project, in the
// same process. globalThis lets the second project reuse the servers the first one started, and
// the last project to finish stops them.
const shared = globalThis as { cartflowServers?: Promise<Servers>; cartflowServerUsers?: number };

export default async function setup(project: TestProject) {
  shared.cartflowServerUsers = (shared.cartflowServerUsers ?? 0) + 1;
  shared.cartflowServers ??= startServers();
  const servers = await shared.cartflowServers;
  for (const [key, value] of Object.entries(servers.context)) {
    project.provide(key as keyof typeof servers.context, value);
  }

  return async () => {
    shared.cartflowServerUsers = (shared.cartflowServerUsers ?? 1) - 1;
    if (shared.cartflowServerUsers > 0) return;
    shared.cartflowServers = undefined;
    await servers.stop();
  };
}
