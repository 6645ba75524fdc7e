import type { PayloadCodec } from '@temporalio/common';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/env';

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
  const connection = await Connection.connect(config.temporal.connection);
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    ...(payloadCodec ? { dataConverter: { payloadCodecs: [payloadCodec] } } : {}),
  });
  return { client, close: () => connection.close() };
}
