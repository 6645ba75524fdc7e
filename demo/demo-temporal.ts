import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { freePort } from '../app/free-port';
import { startLocalTemporal } from '../app/local-temporal';
import { cartSearchAttributeKeys, registerCartSearchAttributes } from '../app/search-attributes';

/** The demo's Temporal: an existing server when the user names one, else an embedded dev server of its own. */

export interface TemporalConnections {
  client: Client;
  nativeConnection: NativeConnection;
  /** The embedded server's web UI. */
  ui: string | undefined;
  close(): Promise<void>;
}

export async function connectTemporal(input: {
  logger: Logger;
  dataDir: string;
  payloadCodec: PayloadCodec;
  address: string | undefined;
}): Promise<TemporalConnections> {
  if (input.address) {
    const nativeConnection = await NativeConnection.connect({ address: input.address });
    const connection = await Connection.connect({ address: input.address });
    return {
      client: new Client({ connection, dataConverter: { payloadCodecs: [input.payloadCodec] } }),
      nativeConnection,
      ui: undefined,
      close: async () => {
        await nativeConnection.close();
        await connection.close();
      },
    };
  }
  const [port, uiPort] = [await freePort(), await freePort()];
  // As app/embedded-temporal.ts starts it for `npm start`, but with only errors in its log (the
  // demo's folder) and with synchronous=OFF: the demo's history is thrown away, and on a
  // busy machine SQLite's fsyncs made the dev server miss its own deadlines. No codec endpoint for
  // the UI: the demo sets ADMIN_TOKEN for the dashboard, and with it the endpoint wants a bearer
  // token the UI cannot send; the UI shows payloads encrypted.
  const env = await startLocalTemporal({
    logger: input.logger,
    port,
    uiPort,
    payloadCodec: input.payloadCodec,
    searchAttributes: cartSearchAttributeKeys,
    dbFilename: path.join(input.dataDir, 'temporal.db'),
    logFile: path.join(input.dataDir, 'temporal.log'),
    logLevel: 'error',
    sqlitePragmas: { journal_mode: 'WAL', synchronous: 'OFF' },
  });
  // A data folder from before an attribute was added: `--search-attribute` skips existing databases.
  await registerCartSearchAttributes(env.connection, 'default');
  return {
    client: env.client,
    nativeConnection: env.nativeConnection,
    ui: `http://127.0.0.1:${uiPort}`,
    close: () => env.teardown(),
  };
}
