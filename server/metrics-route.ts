import { createHash, timingSafeEqual } from 'node:crypto';
import type { Handler } from 'hono';
import type { Registry } from 'prom-client';

/**
 * `GET /metrics` in Prometheus text format. Open unless METRICS_TOKEN is set (then Prometheus sends
 * it as `authorization: { credentials: … }`): the series hold campaign and step ids and counts,
 * no personal data, but a public server should not show its volumes to everyone.
 */
export function metricsRoute(registry: Registry, token: string | undefined): Handler {
  return async (c) => {
    if (token && !bearerMatches(c.req.header('authorization'), token)) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json({ error: 'unauthorized', message: 'send Authorization: Bearer <METRICS_TOKEN>' }, 401);
    }
    return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  };
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}
