import { type ServerType, serve } from '@hono/node-server';
import { type ListenTarget, listenFailure } from '../config/listen-error';

/**
 * Serves `app` on host:port once it listens. A port already taken is the operator's to fix (another
 * `npm start` or `cartflow server`, or any other program): it is named with the variable that
 * moves it (PORT unless told otherwise), rather than thrown as `listen EADDRINUSE` (or, without a
 * listener, an uncaught error).
 */
export async function listenHttp(
  app: { fetch: Parameters<typeof serve>[0]['fetch'] },
  {
    host,
    port,
    portVariable = 'PORT',
    hostVariable = 'HOST',
  }: Omit<ListenTarget, 'portVariable' | 'hostVariable'> & Partial<ListenTarget>,
): Promise<ServerType> {
  const server = serve({ fetch: app.fetch, hostname: host, port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error) => reject(listenFailure(error, { host, port, portVariable, hostVariable })));
  });
  return server;
}
