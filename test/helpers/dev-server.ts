import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  type TemporalDevServer,
  type TemporalDevServerOptions,
  startTemporalDevServer,
} from '../../app/temporal-dev-server';
import { cartSearchAttributeKeys } from '../../app/search-attributes';
import { freePort } from './free-port';

const root = path.resolve(import.meta.dirname, '../..');

/** The Temporal CLI scripts/temporal-cli.sh built (global setup built it already: this only finds it). */
export async function temporalCli(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [path.join(root, 'scripts/temporal-cli.sh')]);
  return stdout.trim().split('\n').at(-1) ?? '';
}

/**
 * A Temporal dev server of a test's own (with the cart search attributes): quiet, its output in a
 * log file, a deadline generous enough for a machine busy with other test files, and a port from
 * below the ephemeral range (test/helpers/free-port.ts says why).
 */
export async function startTestDevServer(options: Partial<TemporalDevServerOptions> = {}): Promise<TemporalDevServer> {
  return startTemporalDevServer({
    binary: await temporalCli(),
    searchAttributes: cartSearchAttributeKeys,
    startTimeoutMs: 120_000,
    pickPort: () => freePort(),
    ...options,
  });
}
