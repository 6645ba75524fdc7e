import type { PayloadCodec } from '@temporalio/common';
import { Client, Connection } from '@temporalio/client';
import { type Config, ConfigError } from '../config/env';

export interface TemporalClient {
  client: Client;
  close(): Promise<void>;
}

/**
 * A Temporal client for the configured cluster (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS… via
 * envconfig), encrypting payloads with `payloadCodec` when one is given. The caller closes it.
 */
export async function connectTemporalClient(
  config: Pick<Config, 'temporal'>,
  payloadCodec?: PayloadCodec,
): Promise<TemporalClient> {
  const connect = () => Connection.connect(config.temporal.connection);
  // Only a configured address is the operator's to fix; callers on the embedded server say their own words.
  const connection = config.temporal.address ? await reachTemporal(config.temporal.address, connect) : await connect();
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    ...(payloadCodec ? { dataConverter: { payloadCodecs: [payloadCodec] } } : {}),
  });
  return { client, close: () => connection.close() };
}

/**
 * Connects to the configured Temporal, or refuses in one line naming it and TEMPORAL_ADDRESS: the
 * SDKs alone say "Failed to connect before the deadline" or print a Rust transport error.
 */
export async function reachTemporal<T>(address: string | undefined, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    throw new ConfigError(
      `cannot connect to Temporal at ${address ?? 'the configured address'} (TEMPORAL_ADDRESS): ` +
        `${temporalConnectFailure(error)}; ` +
        'check that it runs and that TEMPORAL_ADDRESS is right',
    );
  }
}

/** The reason inside the worker SDK's `tonic::transport::Error(…)`, or the message as it is. */
export function temporalConnectFailure(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return /\bmessage: "([^"]+)"/.exec(text)?.[1] ?? /\berror: "([^"]+)"/.exec(text)?.[1] ?? text;
}
