import { type Config, ConfigError } from '../config/env';
import { payloadCodecFromKeys } from '../codec/codec-config';
import { localPayloadKeys } from './dev-secret';
import { runningEmbeddedTemporalAddress } from './embedded-temporal';
import { type TemporalClient, connectTemporalClient } from './temporal-client';

/** Where an operator command's Temporal is: configured, `npm start`'s embedded server, or none running. */
export type OperatorTemporalTarget =
  { kind: 'configured'; address: string } | { kind: 'embedded'; address: string } | { kind: 'none' };

/** What to tell an operator whose command needs Temporal when none is configured or running. */
export const noTemporalHint = (dataDir: string) =>
  `no Temporal is configured (TEMPORAL_ADDRESS) and no \`npm start\` runs its embedded Temporal on DATA_DIR ${dataDir}: ` +
  'start `npm start` on this DATA_DIR (or set TEMPORAL_ADDRESS to your cluster) and run the command again';

/**
 * TEMPORAL_ADDRESS when set; else the embedded dev server `npm start` runs on DATA_DIR, found the
 * way CLIs find its served database (a record in the data folder naming a live process).
 */
export async function operatorTemporalTarget(config: Config): Promise<OperatorTemporalTarget> {
  if (config.temporal.address) return { kind: 'configured', address: config.temporal.address };
  const address = await runningEmbeddedTemporalAddress(config.DATA_DIR);
  return address ? { kind: 'embedded', address } : { kind: 'none' };
}

/**
 * A client on the target, with the payload keys its workers use: PAYLOAD_KEYS, or for the embedded
 * server without them, the keys `npm start` keeps in DATA_DIR (so what is sent reads like theirs).
 */
export async function connectOperatorTemporal(
  config: Config,
  target: Exclude<OperatorTemporalTarget, { kind: 'none' }>,
): Promise<TemporalClient> {
  if (target.kind === 'configured') {
    return connectTemporalClient(config, config.PAYLOAD_KEYS ? payloadCodecFromKeys(config.PAYLOAD_KEYS) : undefined);
  }
  const keys = config.PAYLOAD_KEYS
    ? payloadCodecFromKeys(config.PAYLOAD_KEYS)
    : await localPayloadKeys(config.DATA_DIR).then(({ secret, file }) => payloadCodecFromKeys(secret, file));
  const temporal = { ...config.temporal, connection: { ...config.temporal.connection, address: target.address } };
  try {
    return await connectTemporalClient({ temporal }, keys);
  } catch (error) {
    throw new ConfigError(
      `the embedded Temporal of \`npm start\` (DATA_DIR ${config.DATA_DIR}) does not answer at ${target.address} ` +
        `(${(error as Error).message}): if it is starting or stopping, run the command again in a moment`,
    );
  }
}
