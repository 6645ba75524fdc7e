import { Hono } from 'hono';
import type { Logger } from 'pino';
import { CHECK_TIMEOUT_MS, type HealthCheck, runChecks } from './checks';

export interface HealthRoutesDeps {
  /** What this process needs to do its work, by name (database, migrations, temporal, smtp). */
  checks: Record<string, HealthCheck>;
  logger: Logger;
  /** True once the process is shutting down: /readyz says so, so that no new work is routed here. */
  draining?: () => boolean;
  timeoutMs?: number;
}

/**
 * `GET /healthz`: the process is alive (touches nothing). `GET /readyz`: every dependency answers
 * within its timeout; 503 names the failing checks.
 */
export function healthRoutes({ checks, logger, draining, timeoutMs = CHECK_TIMEOUT_MS }: HealthRoutesDeps) {
  const routes = new Hono();
  // Headers set in the handlers: a middleware here would run for every path of the app it is mounted in.
  routes.get('/healthz', (c) => c.json({ status: 'ok' }, 200, { 'Cache-Control': 'no-store' }));
  routes.get('/readyz', async (c) => {
    c.header('Cache-Control', 'no-store');
    if (draining?.()) return c.json({ status: 'draining', failing: [], checks: {} }, 503);
    const report = await runChecks(checks, {
      timeoutMs,
      onFailure: (check, error) => logger.warn({ err: error, check }, 'readiness check failed'),
    });
    return c.json(report, report.status === 'ok' ? 200 : 503);
  });
  return routes;
}
