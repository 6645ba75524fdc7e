import { Hono } from 'hono';
import { drainHttpServer } from '../app/shutdown';
import { listenHttp } from '../server/listen';
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
  // Only the worker serves health on a port of its own: WORKER_HEALTH_PORT moves it.
  const server = await listenHttp(app, { host, port, portVariable: 'WORKER_HEALTH_PORT' });
  deps.logger.info({ host, port }, 'health endpoints listening');
  return { close: () => drainHttpServer(server, 1_000) };
}
