import { spawn } from 'node:child_process';
import { childEnvironment, ConfigError, loadConfig } from '../config/env';
import { createLogger } from '../config/logger';
import { localCodecEndpoint } from '../server/codec-access';
import { EMBEDDED_TEMPORAL_ADDRESS, runningEmbeddedTemporalAddress } from '../app/embedded-temporal';
import { temporalCliPath } from '../app/local-temporal';
import { exitWithError } from '../app/process';

/**
 * `cartflow temporal <command>` (`npm run temporal -- <command>`): the Temporal CLI that
 * scripts/temporal-cli.sh builds, pointed at cartflow's Temporal (TEMPORAL_ADDRESS, else the
 * embedded dev server of `npm start`) and at the server's codec endpoint, so payloads print decoded. Every argument goes to the CLI as it is;
 * its own flags (--address, --codec-endpoint, --codec-auth) win over these defaults.
 */
export async function runTemporalCli(args: readonly string[]): Promise<void> {
  const config = loadConfig();
  const binary = await temporalCliPath(createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL));
  if (!binary) {
    throw new ConfigError(
      'the Temporal CLI could not be built (scripts/temporal-cli.sh needs Go >= 1.25); ' +
        'install `temporal` from https://docs.temporal.io/cli and use it with the same flags',
    );
  }
  const env = childEnvironment({
    // The embedded server where `npm start` on DATA_DIR recorded it, as `privacy erase` finds it.
    TEMPORAL_ADDRESS:
      config.temporal.address ?? (await runningEmbeddedTemporalAddress(config.DATA_DIR)) ?? EMBEDDED_TEMPORAL_ADDRESS,
    TEMPORAL_CODEC_ENDPOINT:
      config.TEMPORAL_CODEC_ENDPOINT ?? localCodecEndpoint({ host: config.HOST, port: config.PORT }),
    TEMPORAL_CODEC_AUTH: config.ADMIN_TOKEN ? `Bearer ${config.ADMIN_TOKEN}` : undefined,
  });
  const child = spawn(binary, args, { stdio: 'inherit', env });
  // Ctrl-C reaches the CLI directly (same process group); this process only waits for it.
  process.on('SIGINT', () => {}).on('SIGTERM', () => child.kill('SIGTERM'));
  child.once('error', exitWithError);
  child.once('exit', (code) => process.exit(code ?? 1));
}
