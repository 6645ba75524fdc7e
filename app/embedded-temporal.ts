import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { PayloadCodec } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Logger } from 'pino';
import { cartSearchAttributeKeys, registerCartSearchAttributes } from './search-attributes';

const scriptsDir = fileURLToPath(new URL('../scripts', import.meta.url));

/**
 * Path of a Temporal CLI binary: the one built by scripts/temporal-cli.sh (from the Go module
 * proxy, cached in .cache/temporal), or undefined when it cannot be built here (no Go), in which
 * case the SDK's own download is used.
 */
export async function temporalCliPath(logger: Logger): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('bash', [path.join(scriptsDir, 'temporal-cli.sh')], {
      maxBuffer: 1024 * 1024,
    });
    const binary = stdout.trim().split('\n').at(-1);
    if (binary && existsSync(binary)) return binary;
  } catch (error) {
    logger.warn({ err: error }, 'could not build the Temporal CLI locally; falling back to the SDK download');
  }
  return undefined;
}

/** Where `npm start` runs the embedded dev server's gRPC endpoint (`npm run temporal` points there by default). */
export const EMBEDDED_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export interface EmbeddedTemporalOptions {
  dataDir: string;
  port: number;
  uiPort: number;
  logger: Logger;
  /** The payload encryption codec the environment's client uses. */
  payloadCodec: PayloadCodec;
  /** The codec server (cartflow's `/codec`) the web UI decodes payloads through. */
  uiCodecEndpoint?: string;
}

/** A real Temporal dev server (SQLite in the data folder, web UI) for `npm start` without TEMPORAL_ADDRESS. */
export async function startEmbeddedTemporal(options: EmbeddedTemporalOptions): Promise<TestWorkflowEnvironment> {
  await mkdir(options.dataDir, { recursive: true });
  const binary = await temporalCliPath(options.logger);
  const env = await TestWorkflowEnvironment.createLocal({
    client: { dataConverter: { payloadCodecs: [options.payloadCodec] } },
    server: {
      executable: binary ? { type: 'existing-path', path: binary } : { type: 'cached-download' },
      ip: '127.0.0.1',
      searchAttributes: cartSearchAttributeKeys,
      port: options.port,
      ui: true,
      uiPort: options.uiPort,
      dbFilename: path.join(options.dataDir, 'temporal.db'),
      extraArgs: [
        ...['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL'],
        ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
      ],
    },
  });
  // `--search-attribute` only takes effect on a new database file: a data folder made before an
  // attribute was added (CartflowShop) gets it here, or every workflow start would be refused.
  await registerCartSearchAttributes(env.connection, 'default');
  return env;
}
