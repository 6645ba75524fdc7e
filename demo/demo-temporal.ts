import path from 'node:path';
import { createServer } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { temporalCliPath } from '../app/embedded-temporal';
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
  // As cli/embedded-temporal.ts starts it for `npm start`, but quiet (its warnings would break
  // through the progress bar) and with synchronous=OFF: the demo's history is thrown away, and on a
  // busy machine SQLite's fsyncs made the dev server miss its own deadlines. No codec endpoint for
  // the UI: the demo sets ADMIN_TOKEN for the dashboard, and with it the endpoint wants a bearer
  // token the UI cannot send; the UI shows payloads encrypted.
  const binary = await temporalCliPath(input.logger);
  const env = await TestWorkflowEnvironment.createLocal({
    client: { dataConverter: { payloadCodecs: [input.payloadCodec] } },
    server: {
      executable: binary ? { type: 'existing-path', path: binary } : { type: 'cached-download' },
      ip: '127.0.0.1',
      port,
      ui: true,
      uiPort,
      searchAttributes: cartSearchAttributeKeys,
      dbFilename: path.join(input.dataDir, 'temporal.db'),
      log: { format: 'pretty', level: 'error' },
      extraArgs: ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF'],
    },
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

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
