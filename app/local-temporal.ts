import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Logger } from 'pino';
import { type TemporalDevServer, type TemporalDevServerOptions, startTemporalDevServer } from './temporal-dev-server';

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

export type LocalTemporalOptions = Omit<TemporalDevServerOptions, 'binary'> & { logger: Logger };

/**
 * A dev server from the Temporal CLI built by scripts/temporal-cli.sh; where it cannot be built
 * (no Go), from the SDK's download, as before. Only that fallback keeps the SDK's fixed 5 s start
 * deadline and prints the server's output instead of writing it to `logFile`.
 */
export async function startLocalTemporal(options: LocalTemporalOptions): Promise<TemporalDevServer> {
  const { logger, ...serverOptions } = options;
  const binary = await temporalCliPath(logger);
  if (binary) return startTemporalDevServer({ ...serverOptions, binary });
  return startDownloadedDevServer(serverOptions);
}

async function startDownloadedDevServer(options: Omit<TemporalDevServerOptions, 'binary'>): Promise<TemporalDevServer> {
  const namespace = options.namespace ?? 'default';
  const env = await TestWorkflowEnvironment.createLocal({
    ...(options.payloadCodec ? { client: { dataConverter: { payloadCodecs: [options.payloadCodec] } } } : {}),
    server: {
      executable: { type: 'cached-download' },
      ip: options.ip ?? '127.0.0.1',
      namespace,
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.uiPort === undefined ? {} : { ui: true, uiPort: options.uiPort }),
      ...(options.dbFilename === undefined ? {} : { dbFilename: options.dbFilename }),
      searchAttributes: [...(options.searchAttributes ?? [])],
      log: { format: 'pretty', level: options.logLevel ?? 'warn' },
      extraArgs: [
        ...Object.entries(options.sqlitePragmas ?? {}).flatMap(([name, value]) => [
          '--sqlite-pragma',
          `${name}=${value}`,
        ]),
        ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
        ...(options.extraArgs ?? []),
      ],
    },
  });
  return {
    address: env.address,
    namespace,
    connection: env.connection,
    client: env.client,
    nativeConnection: env.nativeConnection,
    teardown: () => env.teardown(),
  };
}
