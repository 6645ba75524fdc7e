import { type ServerType, serve } from '@hono/node-server';
import { ConfigError } from '../config/env';

/**
 * Serves `app` on host:port once it listens. A port already taken is the operator's to fix (another
 * `npm start` or `cartflow server`, or any other program): it is named with PORT, the variable that
 * moves it, rather than thrown as `listen EADDRINUSE` (or, without a listener, an uncaught error).
 */
export async function listenHttp(
  app: { fetch: Parameters<typeof serve>[0]['fetch'] },
  { host, port }: { host: string; port: number },
): Promise<ServerType> {
  const server = serve({ fetch: app.fetch, hostname: host, port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new ConfigError(`port ${port} on ${host} is in use by another process; stop it or set PORT to a free port`),
        );
      } else if (error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
        reject(new ConfigError(`cannot listen on ${host}:${port} (${error.code}); check HOST and PORT`));
      } else reject(error);
    });
  });
  return server;
}
