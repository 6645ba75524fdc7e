import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cartSearchAttributeKeys } from '../../app/search-attributes';
import { type HealthCheck, databaseCheck, migrationsCheck, runChecks, temporalCheck } from '../../health/checks';
import { type AppConfig, type AppDeps, createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { DEFAULT_HTML_CSP } from '../../server/security-headers';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { oneClickRequest } from '../helpers/unsubscribe-links';

// Health, security headers and rate limits of the HTTP app, over app.request(), against real
// Postgres and the real Temporal dev server (and one Temporal address where nothing listens).
const TRACKING_SECRET = 'hardening-test-tracking-secret-0123456789';
let database: TestDatabase;
let connection: Connection;
let client: Client;
let deadTemporal: Connection;

beforeAll(async () => {
  database = await createTestDatabase();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  // Port 1 on loopback refuses at once; without the retry interceptor the check fails at once too.
  deadTemporal = Connection.lazy({ address: '127.0.0.1:1', interceptors: [] });
});
afterAll(async () => {
  await deadTemporal?.close();
  await connection?.close();
  await database?.drop();
});

function appWith({
  config,
  ...deps
}: { config?: Partial<AppConfig> } & Pick<Partial<AppDeps>, 'readiness' | 'draining'> = {}) {
  return createApp({
    db: database.db,
    workflows: createCartWorkflows({
      client,
      taskQueue: 'hardening-no-worker',
      abandonAfterMs: 3_600_000,
      campaigns: [consumerCampaign()],
    }),
    config: {
      shopId: 'shop-hardening',
      webhookSecret: TEST_SECRET,
      webhookMaxBytes: 64 * 1024,
      webhookToleranceMs: 300_000,
      trackingSecret: TRACKING_SECRET,
      adminToken: 'hardening-admin-token-0123456789',
      ...config,
    },
    logger: pino({ level: 'silent' }),
    ...deps,
  });
}

const readiness = (temporal: Connection = connection, namespace = 'default'): Record<string, HealthCheck> => ({
  database: databaseCheck(database.db),
  migrations: migrationsCheck(database.db),
  temporal: temporalCheck({ connection: temporal, namespace, searchAttributes: cartSearchAttributeKeys }),
});

describe('GET /healthz and /readyz', () => {
  it('/healthz answers 200 without asking anything', async () => {
    const neverAsked: HealthCheck = () => Promise.reject(new Error('must not be called'));
    const response = await appWith({ readiness: { database: neverAsked } }).request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz: 200 with each check when Postgres, the migrations and Temporal answer', async () => {
    const response = await appWith({ readiness: readiness() }).request('/readyz');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.json();
    expect(body).toMatchObject({
      status: 'ok',
      failing: [],
      checks: {
        database: { status: 'ok' },
        migrations: { status: 'ok', detail: expect.stringMatching(/^\d+ applied$/) },
        temporal: { status: 'ok' },
      },
    });
  });

  it('/readyz: 503 naming Temporal when it does not answer, and no address in the answer', async () => {
    const response = await appWith({ readiness: readiness(deadTemporal) }).request('/readyz');
    expect(response.status).toBe(503);
    const text = await response.text();
    const body = JSON.parse(text);
    expect(body).toMatchObject({
      status: 'unavailable',
      failing: ['temporal'],
      checks: { database: { status: 'ok' }, temporal: { status: 'failing', error: expect.any(String) } },
    });
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain(new URL(database.url).password || 'no-password');
    expect(text).not.toContain(new URL(database.url).pathname.slice(1));
  });

  it('/readyz: 503 naming the search attributes a namespace lacks, since Temporal would refuse every chain', async () => {
    // A real namespace of the suite's dev server without cartflow's attributes, as on a cluster
    // where the set-up step of docs/production.md was skipped: webhooks would get 202 and no email.
    const namespace = `readyz-no-attributes-${randomUUID().slice(0, 8)}`;
    const { temporal } = (await import('@temporalio/proto')).default;
    await connection.workflowService.registerNamespace(
      temporal.api.workflowservice.v1.RegisterNamespaceRequest.fromObject({
        namespace,
        workflowExecutionRetentionPeriod: { seconds: 24 * 3600 },
      }),
    );
    // The frontend serves a new namespace once its cache has it; until then the answer is NotFound.
    const body = await eventually(async () => {
      const response = await appWith({ readiness: readiness(connection, namespace) }).request('/readyz');
      expect(response.status).toBe(503);
      const answer = (await response.json()) as { checks: { temporal: { error: string } } };
      expect(answer.checks.temporal.error).toContain('lacks the search attributes');
      return answer;
    }, 30_000);
    expect(body).toMatchObject({ status: 'unavailable', failing: ['temporal'] });
    for (const name of ['CartflowCampaign', 'CartflowSegment', 'CartflowStep', 'CartflowStatus', 'CartflowShop']) {
      expect(body.checks.temporal.error).toContain(name);
    }
    expect(body.checks.temporal.error).toContain('docs/production.md');

    // Once they exist (as Keyword), the same namespace is ready.
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        cartSearchAttributeKeys.map(({ name }) => [
          name,
          temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        ]),
      ),
    });
    await eventually(async () => {
      const response = await appWith({ readiness: readiness(connection, namespace) }).request('/readyz');
      expect(await response.json()).toMatchObject({ status: 'ok', checks: { temporal: { status: 'ok' } } });
    }, 30_000);
  });

  it('/readyz: 503 naming the migrations when the database lacks the newest one', async () => {
    const behind = await createTestDatabase();
    try {
      await behind.sql`delete from drizzle.__drizzle_migrations
        where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`;
      const response = await appWith({
        readiness: { database: databaseCheck(behind.db), migrations: migrationsCheck(behind.db) },
      }).request('/readyz');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({
        failing: ['migrations'],
        checks: { migrations: { status: 'failing', error: expect.stringMatching(/^1 of \d+ migrations not applied/) } },
      });
    } finally {
      await behind.drop();
    }
  });

  it('the default readiness of createApp checks the database and the migrations', async () => {
    const body = (await (await appWith().request('/readyz')).json()) as { checks: object };
    expect(Object.keys(body.checks).sort()).toEqual(['database', 'migrations']);
  });

  it('/readyz: 503 "draining" once the process is shutting down, before asking anything', async () => {
    const response = await appWith({ readiness: readiness(), draining: () => true }).request('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'draining' });
    expect(response.headers.get('connection')).toBe('close');
  });

  it('a check that hangs fails after its timeout, the others are reported as they are', async () => {
    const report = await runChecks({ stuck: () => new Promise(() => {}), fine: async () => 'yes' }, { timeoutMs: 20 });
    expect(report).toMatchObject({
      status: 'unavailable',
      failing: ['stuck'],
      checks: { stuck: { status: 'failing', error: 'no answer within 20 ms' }, fine: { status: 'ok', detail: 'yes' } },
    });
  });
});

describe('security headers on every route group', () => {
  const app = () => appWith();
  const base = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };
  const requests: Array<[string, string, RequestInit?]> = [
    ['health', '/healthz'],
    ['readiness', '/readyz'],
    ['cart webhook (refused signature)', '/webhooks/cart', { method: 'POST', body: '{}' }],
    ['delivery webhook', '/webhooks/delivery', { method: 'POST', body: '{}' }],
    ['open pixel', '/t/o/not-a-token.gif'],
    ['tracked link', '/t/c/not-a-token'],
    ['unsubscribe page', '/u/not-a-token'],
    ['one-click unsubscribe', '/u/not-a-token', oneClickRequest],
    ['privacy API', '/admin/privacy/export?email=a@example.com'],
    ['reports API', '/admin/reports/campaigns'],
    ['dashboard', '/admin/dashboard'],
    ['codec', '/codec/decode', { method: 'POST', body: '{}' }],
    ['unknown path', '/no/such/page'],
  ];

  it.each(requests)('%s: nosniff, no Referer, never framed', async (_name, path, init) => {
    const response = await app().request(path, init);
    expect(Object.fromEntries([...response.headers].filter(([name]) => name in base))).toEqual(base);
  });

  it('an HTML page without a policy of its own gets the default CSP (no scripts, not framed)', async () => {
    const response = await app().request('/t/c/not-a-token');
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toBe(DEFAULT_HTML_CSP);
    expect(DEFAULT_HTML_CSP).toContain("frame-ancestors 'none'");
    expect(DEFAULT_HTML_CSP).not.toContain('script-src');
  });

  it('the dashboard and the unsubscribe pages keep their own CSP', async () => {
    const dashboard = await app().request('/admin/dashboard');
    expect(dashboard.headers.get('content-security-policy')).toContain("script-src 'self'");
    const unsubscribe = await app().request('/u/not-a-token');
    expect(unsubscribe.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(unsubscribe.headers.get('content-security-policy')).not.toBe(DEFAULT_HTML_CSP);
  });

  it('the health routes leave the other routes alone (their Cache-Control is their own)', async () => {
    expect((await app().request('/t/o/not-a-token.gif')).headers.get('cache-control')).toBe('no-store, private');
    expect((await app().request('/healthz')).headers.get('cache-control')).toBe('no-store');
  });

  it('JSON answers carry no page policy; the open pixel is not restricted to this origin (webmail loads it)', async () => {
    expect((await app().request('/healthz')).headers.get('content-security-policy')).toBeNull();
    expect((await app().request('/t/o/not-a-token.gif')).headers.get('cross-origin-resource-policy')).toBeNull();
  });
});

describe('rate limits per client network', () => {
  const tight = { ratePerSecond: 1, burst: 3 };
  const limited = () =>
    appWith({ config: { trustProxy: true, rateLimits: { webhooks: tight, tracking: tight, unsubscribe: tight } } });
  const from = (network: string, init: RequestInit = {}): RequestInit => ({
    ...init,
    headers: { ...(init.headers as Record<string, string>), 'x-forwarded-for': network },
  });

  it('tracking: the burst passes, the next request is 429 with Retry-After; a neighbour in the same /24 shares it', async () => {
    const app = limited();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await app.request('/t/c/x', from(`198.51.100.${i + 1}`))).status);
    expect(statuses).toEqual([404, 404, 404]);
    const refused = await app.request('/t/c/x', from('198.51.100.200'));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({
      error: 'rate_limited',
      message: 'too many tracking requests from your network; retry in 1 s',
    });
    // Another network, and another route group from the same network, have their own buckets.
    expect((await app.request('/t/c/x', from('203.0.113.7'))).status).toBe(404);
    expect((await app.request('/u/x', from('198.51.100.1'))).status).toBe(404);
  });

  it('the one-click unsubscribe POST over the limit is told to retry, never silently dropped', async () => {
    const app = limited();
    for (let i = 0; i < 3; i++) await app.request('/u/x', from('2001:db8:1:2::5', oneClickRequest));
    const refused = await app.request('/u/x', from('2001:db8:1:ffff::9', oneClickRequest));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('webhooks: over the limit a signed event is refused with 429 before anything is stored', async () => {
    const app = limited();
    for (let i = 0; i < 3; i++) await app.request('/webhooks/cart', from('192.0.2.10', { method: 'POST', body: '{}' }));
    const event = cartUpdatedEvent();
    const refused = await app.request('/webhooks/cart', from('192.0.2.11', signedRequest(event)));
    expect(refused.status).toBe(429);
    const [row] = await database.sql`select count(*)::int as n from cart_events where event_id = ${event.id}`;
    expect(row?.n).toBe(0);
  });

  it('the health endpoints and the admin API are not limited', async () => {
    const app = limited();
    const statuses = new Set<number>();
    for (let i = 0; i < 10; i++) statuses.add((await app.request('/healthz', from('192.0.2.1'))).status);
    expect([...statuses]).toEqual([200]);
  });

  it('off disables a group', async () => {
    const app = appWith({
      config: { trustProxy: true, rateLimits: { webhooks: 'off', tracking: 'off', unsubscribe: tight } },
    });
    const statuses = new Set<number>();
    for (let i = 0; i < 10; i++) statuses.add((await app.request('/t/c/x', from('192.0.2.1'))).status);
    expect([...statuses]).toEqual([404]);
  });
});
