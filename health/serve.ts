import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { drainHttpServer } from '../app/shutdown';
import { securityHeaders } from '../server/security-headers';
import { type HealthRoutesDeps, healthRoutes } from './routes';

/** A port of its own for /healthz and /readyz, for processes without an HTTP server (the worker). */
export async function serveHealth({
  host,
  port,
  ...deps
}: HealthRoutesDeps & { host: string; port: number }): Promise<{ close(): Promise<void> }> {
  const app = new Hono();
  app.use('*', securityHeaders());
  app.route('/', healthRoutes(deps));
  app.notFound((c) => c.json({ error: 'not_found', message: 'this port serves /healthz and /readyz only' }, 404));
  const server = serve({ fetch: app.fetch, hostname: host, port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  deps.logger.info({ host, port }, 'health endpoints listening');
  return { close: () => drainHttpServer(server, 1_000) };
}
