import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { ProtocolQueue } from './pglite-protocol-queue';

// PGlite runs each statement synchronously in the thread that holds it: served from `npm start`'s
// main thread, one long statement from psql or a BI tool froze the whole process (webhooks,
// /healthz, the worker's heartbeats) for as long as it ran. Here it has a thread of its own, and
// the main thread reaches it over the socket, like every other client.

/** What the thread is started with (workerData). */
export interface ServerThreadInput {
  dir: string;
  port: number;
  maxConnections: number;
}

/** What the thread tells the main thread: where it serves, or why it could not. */
export type ServerThreadMessage =
  { kind: 'serving'; port: number } | { kind: 'failed'; code: string | undefined; message: string };

const input = workerData as ServerThreadInput;
const port = parentPort;
if (!port) throw new Error('db/embedded-server-thread.ts runs as a worker thread (db/embedded.ts starts it)');

const client = await PGlite.create(input.dir);
const server = new PGLiteSocketServer({
  db: client,
  host: '127.0.0.1',
  port: input.port,
  maxConnections: input.maxConnections,
});
try {
  // The library's queue lets two connections' queries interleave (see pglite-protocol-queue.ts);
  // its connections take the server's queue when they connect, so swap it in before start().
  if (!('queryQueue' in server)) throw new Error('@electric-sql/pglite-socket changed: re-check ProtocolQueue');
  Object.assign(server, { queryQueue: new ProtocolQueue(client) });
  await server.start();
  const served = Number(server.getServerConn().split(':').at(-1));
  port.postMessage({ kind: 'serving', port: served } satisfies ServerThreadMessage);
  // One message from the main thread: stop serving, close the folder, end the thread.
  port.once('message', () => {
    void server
      .stop()
      .finally(() => client.close())
      .finally(() => port.close());
  });
} catch (error) {
  await client.close();
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  port.postMessage({
    kind: 'failed',
    code,
    message: error instanceof Error ? error.message : String(error),
  } satisfies ServerThreadMessage);
  port.close();
}
