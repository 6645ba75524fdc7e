import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createServerMetrics, routeGroupOf } from '../../metrics/server-metrics';
import { metricsRoute } from '../../server/metrics-route';

const TOKEN = 'metrics-token-0123456789abcdef';

function appWith(token?: string) {
  const metrics = createServerMetrics();
  const app = new Hono();
  app.use('*', metrics.middleware);
  app.get('/metrics', metricsRoute(metrics.registry, token));
  return app;
}

describe('GET /metrics', () => {
  it('is open without METRICS_TOKEN', async () => {
    const response = await appWith().request('/metrics');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('# TYPE cartflow_http_request_duration_seconds histogram');
  });

  it('needs the bearer token when METRICS_TOKEN is set', async () => {
    const app = appWith(TOKEN);
    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('groups routes by their first segment, so tokens in paths never become label values', () => {
    expect(routeGroupOf('/t/c/abc.def')).toBe('tracking');
    expect(routeGroupOf('/u/abc.def')).toBe('unsubscribe');
    expect(routeGroupOf('/webhooks/cart')).toBe('webhooks');
    expect(routeGroupOf('/codec/decode')).toBe('codec');
    expect(routeGroupOf('/no/such/thing')).toBe('other');
    expect(routeGroupOf('/')).toBe('other');
  });
});
