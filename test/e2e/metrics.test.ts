import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../metrics/registry';
import { createServerMetrics } from '../../metrics/server-metrics';
import { createWorkerMetrics } from '../../metrics/worker-metrics';
import { cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import { type E2eStack, startE2eStack } from '../helpers/e2e-stack';
import { eventually } from '../helpers/eventually';
import { metricTypes, parsePrometheusText, sampleValue } from '../helpers/prometheus-text';
import { listUnsubscribeOf, oneClickRequest } from '../helpers/unsubscribe-links';

// A signed webhook in, a real email out (Temporal dev server, Postgres, SMTP), then the same
// /metrics a Prometheus scrape reads: the server's and the worker's series in one registry, as
// under `npm start`.
const PUBLIC_BASE_URL = 'https://cartflow.example.com';
const TRACKING_SECRET = 'metrics-test-secret-0123456789abcdef';
const campaign = consumerCampaign({
  frequency: { minGap: '1s', maxPer7Days: 10, maxDeferral: '1h' },
  steps: [{ id: 'reminder', delay: '0s', template: 'cart-reminder' }],
});
const registry = createMetricsRegistry();
let stack: E2eStack;

beforeAll(async () => {
  stack = await startE2eStack({
    name: 'metrics',
    shopId: 'shop-metrics',
    campaigns: [campaign],
    abandonAfterMs: 1_000,
    config: { trackingSecret: TRACKING_SECRET },
    links: {
      secret: TRACKING_SECRET,
      baseUrl: PUBLIC_BASE_URL,
      trackOpens: true,
      trackClicks: true,
      linkTtlMs: 365 * 86_400_000,
      unsubscribeTtlMs: 730 * 86_400_000,
      unsubscribeMailto: 'unsubscribe@mail.example.com',
    },
    serverMetrics: createServerMetrics(registry),
    workerMetrics: createWorkerMetrics(registry),
  });
});

afterAll(() => stack?.close());

const scrape = async () => {
  const response = await stack.app.request('/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { text, samples: parsePrometheusText(text) };
};
const pathOf = (url: string) => new URL(url).pathname;

describe('GET /metrics after a webhook and a send', () => {
  it('counts webhooks by type and outcome, and times requests by route group', async () => {
    const event = cartUpdatedEvent({ customer: { email: `m-${randomUUID().slice(0, 8)}@example.com` } });
    expect((await stack.app.request('/webhooks/cart', signedRequest(event))).status).toBe(202);
    expect((await stack.app.request('/webhooks/cart', signedRequest(event))).status).toBe(200);
    expect((await stack.app.request('/webhooks/cart', signedRequest('{"id":'))).status).toBe(400);
    expect((await stack.app.request('/webhooks/cart', { ...signedRequest(event), headers: {} })).status).toBe(401);

    const { text, samples } = await scrape();
    const webhooks = (labels: Record<string, string>) => sampleValue(samples, 'cartflow_webhooks_total', labels);
    expect(webhooks({ type: 'cart.updated', outcome: 'accepted' })).toBe(1);
    expect(webhooks({ type: 'cart.updated', outcome: 'duplicate' })).toBe(1);
    expect(webhooks({ type: 'unknown', outcome: 'invalid_json' })).toBe(1);
    expect(samples.filter((s) => s.name === 'cartflow_webhooks_total' && s.labels.type === 'unknown')).toHaveLength(2);
    const latency = (labels: Record<string, string>) =>
      sampleValue(samples, 'cartflow_http_request_duration_seconds_count', labels);
    expect(latency({ route: 'webhooks', method: 'POST', status: '202' })).toBe(1);
    expect(latency({ route: 'webhooks', method: 'POST', status: '400' })).toBe(1);
    expect(
      sampleValue(samples, 'cartflow_http_request_duration_seconds_bucket', {
        route: 'webhooks',
        method: 'POST',
        status: '202',
        le: '+Inf',
      }),
    ).toBe(1);
    const types = metricTypes(text);
    expect(types.get('cartflow_webhooks_total')).toBe('counter');
    expect(types.get('cartflow_http_request_duration_seconds')).toBe('histogram');
    expect(types.get('cartflow_process_cpu_seconds_total')).toBe('counter'); // Node's defaults, prefixed
  });

  it("counts the worker's send by campaign and step, and times its activities", async () => {
    await stack.smtp.waitFor(1, 30_000);
    const { samples } = await eventually(async () => {
      const scraped = await scrape();
      expect(
        sampleValue(scraped.samples, 'cartflow_activity_duration_seconds_count', {
          activity: 'runChainStep',
          outcome: 'completed',
        }),
      ).toBe(1);
      return scraped;
    });
    expect(
      sampleValue(samples, 'cartflow_emails_total', { campaign: 'consumer', step: 'reminder', outcome: 'sent' }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'cartflow_activity_duration_seconds_sum', { activity: 'runChainStep' }),
    ).toBeGreaterThan(0);
    // Nothing failed at SMTP: the counter exists with no series yet.
    expect(samples.filter((sample) => sample.name === 'cartflow_smtp_errors_total')).toEqual([]);
  });

  it('counts a click (human or machine) and a one-click unsubscribe', async () => {
    const [email] = stack.smtp.messages;
    const click = /https:\/\/cartflow\.example\.com\/t\/c\/[\w.-]+/.exec(String(email?.html))?.[0];
    expect(click).toBeDefined();
    expect((await stack.app.request(pathOf(click!), { headers: { 'user-agent': 'curl/8.0' } })).status).toBe(302);
    const unsubscribe = listUnsubscribeOf(email).https;
    expect((await stack.app.request(pathOf(unsubscribe!), oneClickRequest)).status).toBe(200);

    const { samples } = await scrape();
    // A click within 2 s of the send, by curl, is a machine's (tracking/machine.ts).
    expect(sampleValue(samples, 'cartflow_tracking_hits_total', { type: 'click', agent: 'machine' })).toBe(1);
    expect(sampleValue(samples, 'cartflow_unsubscribes_total', { scope: 'all', source: 'one_click' })).toBe(1);
    expect(
      sampleValue(samples, 'cartflow_http_request_duration_seconds_count', { route: 'tracking', status: '302' }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'cartflow_http_request_duration_seconds_count', { route: 'unsubscribe', status: '200' }),
    ).toBe(1);
  });
});
