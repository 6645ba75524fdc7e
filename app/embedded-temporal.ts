import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import type { Logger } from 'pino';
import {
  devServerPidFileOf,
  forgetDevServer,
  recordDevServer,
  runningDevServerOf,
  stopLeftBehindDevServer,
} from './dev-server-pid-file';
import { startLocalTemporal } from './local-temporal';
import { cartSearchAttributeKeys, registerCartSearchAttributes } from './search-attributes';
import type { TemporalDevServer } from './temporal-dev-server';

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
  /** How long the dev server may take to answer (TEMPORAL_START_TIMEOUT). */
  startTimeoutMs?: number;
}

const embeddedTemporalDbOf = (dataDir: string) => path.join(dataDir, 'temporal.db');

/**
 * The address of the embedded dev server running on this data folder (under `npm start`), found
 * through DATA_DIR/temporal.pid as CLIs find the served database through its lock file; undefined
 * when none runs there.
 */
export async function runningEmbeddedTemporalAddress(dataDir: string): Promise<string | undefined> {
  const server = await runningDevServerOf({
    file: devServerPidFileOf(dataDir),
    dbFilename: embeddedTemporalDbOf(dataDir),
  });
  return server ? (server.address ?? EMBEDDED_TEMPORAL_ADDRESS) : undefined;
}

/** The dev server's output, in the data folder beside its database. */
export const embeddedTemporalLogFile = (dataDir: string) => path.join(dataDir, 'temporal.log');

/** A real Temporal dev server (SQLite in the data folder, web UI) for `npm start` without TEMPORAL_ADDRESS. */
export async function startEmbeddedTemporal(options: EmbeddedTemporalOptions): Promise<TemporalDevServer> {
  await mkdir(options.dataDir, { recursive: true });
  const dbFilename = embeddedTemporalDbOf(options.dataDir);
  const pidFile = devServerPidFileOf(options.dataDir);
  await stopLeftBehindDevServer({ file: pidFile, dbFilename, logger: options.logger });
  const server = await startLocalTemporal({
    logger: options.logger,
    port: options.port,
    uiPort: options.uiPort,
    payloadCodec: options.payloadCodec,
    searchAttributes: cartSearchAttributeKeys,
    dbFilename,
    sqlitePragmas: { journal_mode: 'WAL', synchronous: 'NORMAL' },
    uiCodecEndpoint: options.uiCodecEndpoint,
    logFile: embeddedTemporalLogFile(options.dataDir),
    startTimeoutMs: options.startTimeoutMs,
    onSpawn: (pid) =>
      recordDevServer(pidFile, { pid, parentPid: process.pid, dbFilename, address: `127.0.0.1:${options.port}` }),
  });
  try {
    // `--search-attribute` only takes effect on a new database file: a data folder made before an
    // attribute was added (CartflowShop) gets it here, or every workflow start would be refused.
    await registerCartSearchAttributes(server.connection, 'default');
  } catch (error) {
    await server.teardown();
    await forgetDevServer(pidFile);
    throw error;
  }
  return {
    ...server,
    teardown: async () => {
      await server.teardown();
      await forgetDevServer(pidFile);
    },
  };
}
