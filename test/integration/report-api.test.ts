import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addShop } from '../../db/shop-store';
import { shopRow } from '../helpers/shop-row';
import { createApp } from '../../server/app';
import type { CartWorkflows } from '../../server/cart-workflows';
import { reportOpenApi } from '../../server/report-openapi';
import type { CampaignReport } from '../../reports/build-report';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { SEEDED_RANGE, seedReportData, seededCampaigns } from '../helpers/report-seed';

const shopId = 'shop-reports';
const ADMIN_TOKEN = 'report-admin-token-0123456789abcdef';
let database: TestDatabase;
let app: ReturnType<typeof createApp>;

// The reports never start workflows: anything that tries to is a bug.
const noWorkflows: CartWorkflows = {
  deliver: () => Promise.reject(new Error('no workflows in report tests')),
  startJourneys: () => Promise.reject(new Error('no workflows in report tests')),
  disableCartCodes: () => Promise.reject(new Error('no workflows in report tests')),
  plannedJourneys: async () => [],
};

beforeAll(async () => {
  database = await createTestDatabase();
  await seedReportData(database.sql, shopId);
  // Another shop's data must never show up in this shop's report.
  await seedReportData(database.sql, 'shop-other');
  // Both are shops of the install (cartflow shops add); only shop-other has data.
  for (const id of ['shop-other', 'shop-empty'])
    await addShop(database.db, shopRow({ id, webhookSecret: `${id}-secret-0123456789abcdef` }));
  app = reportApp(ADMIN_TOKEN);
});

/** The app over the seeded data, with `adminToken` as its ADMIN_TOKEN (none: the report API is off). */
function reportApp(adminToken?: string) {
  return createApp({
    db: database.db,
    workflows: noWorkflows,
    config: {
      shopId,
      webhookSecret: 'unused-webhook-secret',
      webhookMaxBytes: 64 * 1024,
      webhookToleranceMs: 300_000,
      ...(adminToken ? { adminToken } : {}),
    },
    logger: pino({ level: 'silent' }),
    campaignVersions: seededCampaigns,
    now: () => Date.parse('2026-03-10T12:00:00Z'),
  });
}
afterAll(async () => {
  await database?.drop();
});

const DAILY_COUNTS = [
  'sent',
  'unconfirmed',
  'uniqueHumanOpens',
  'uniqueHumanClicks',
  'attributedOrders',
  'attributedRevenueMinor',
] as const;
type DailyCount = (typeof DAILY_COUNTS)[number];

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const report = (query: string, headers: Record<string, string> = auth) =>
  app.request(`/admin/reports/campaigns${query}`, { headers });

/** The response schema of GET /admin/reports/campaigns, as the served document declares it. */
async function responseValidator(status: '200' | '400' | '401') {
  const document = (await (await app.request('/admin/openapi.json')).json()) as typeof reportOpenApi;
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
  addFormats.default(ajv);
  // Only the components are JSON Schema (strict: an unknown keyword in them fails); they are
  // reached as `#/components/schemas/…` inside a schema that holds them.
  ajv.addVocabulary(['components']);
  ajv.addSchema({ $id: 'https://cartflow.local/openapi.json', components: document.components }, undefined, false);
  const schema = document.paths['/admin/reports/campaigns'].get.responses[status].content['application/json'].schema;
  return ajv.compile({ $ref: `https://cartflow.local/openapi.json${schema.$ref}` });
}

function expectValid(validate: Awaited<ReturnType<typeof responseValidator>>, body: unknown) {
  const valid = validate(body);
  expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toEqual([]);
  expect(valid).toBe(true);
}

describe('GET /admin/reports/campaigns', () => {
  it('answers the seeded funnel, arms and verdicts, the same report loadReport builds', async () => {
    const response = await report(`?since=${SEEDED_RANGE.since}&until=${SEEDED_RANGE.until}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as CampaignReport;
    expect(body.range).toEqual(SEEDED_RANGE);
    expect(body.campaigns.map((section) => [section.campaignId, section.name])).toEqual([
      ['consumer', 'Consumers'],
      ['welcome', 'Welcome'],
    ]);
    const consumer = body.campaigns[0]!;

    // In the campaign file's step order, though `incentive` sorts before `reminder` by name.
    expect(consumer.funnel.map((row) => `${row.step}·${row.variant}`)).toEqual([
      'reminder·control',
      'reminder·holdout',
      'reminder·urgent',
      'incentive·',
    ]);
    const line = (step: string, variant: string) =>
      consumer.funnel.find((candidate) => candidate.step === step && candidate.variant === variant);
    expect(line('reminder', 'control')).toMatchObject({
      campaignVersion: 3,
      currency: 'EUR',
      reached: 240,
      sent: 240,
      bounced: 6,
      delivered: 234,
      uniqueHumanOpens: 120,
      uniqueHumanClicks: 60,
      attributedOrders: 24,
      attributedRevenueMinor: 24 * 5000,
      recoveredCarts: 24,
      revenuePerRecipientMinor: 500,
    });
    // Rounded to 6 decimals, so no float noise reaches a consumer.
    expect(line('reminder', 'control')?.humanClickRate.rate).toBe(0.25641); // 60 / 234
    expect(line('reminder', 'urgent')).toMatchObject({ sent: 240, attributedOrders: 60, recoveredCarts: 60 });
    expect(line('reminder', 'holdout')).toMatchObject({ reached: 120, sent: 0, skipped: 120 });
    // No email to anybody in the holdout: no rate, rather than 0 % in [0, 1].
    const none = { rate: null, low: null, high: null };
    expect(line('reminder', 'holdout')).toMatchObject({ humanOpenRate: none, humanClickRate: none, orderRate: none });
    // Nor revenue per recipient: 0 would say the emails earned nothing.
    expect(line('reminder', 'holdout')?.revenuePerRecipientMinor).toBeNull();
    expect(line('incentive', '')).toMatchObject({ sent: 100, unconfirmed: 7, attributedOrders: 0 });

    // Unconfirmed emails have their day in the series, beside the confirmed sends.
    expect(consumer.daily.map((row) => [row.day, row.sent, row.unconfirmed])).toEqual([
      ['2026-03-02', 193, 0],
      ['2026-03-03', 193, 7],
      ['2026-03-04', 194, 0],
    ]);
    // What an analyst checks: the days add up to the funnel, count by count.
    const total = (rows: ReadonlyArray<Record<DailyCount, number>>, field: DailyCount) =>
      rows.reduce((sum, row) => sum + row[field], 0);
    for (const field of DAILY_COUNTS) {
      expect(total(consumer.daily, field), field).toBe(total(consumer.funnel, field));
    }
    expect(total(consumer.daily, 'sent')).toBe(580);

    const holdout = consumer.experiments.find((experiment) => experiment.experiment === 'holdout');
    expect(holdout?.arms.map((arm) => [arm.id, arm.weight, arm.entered, arm.conversions])).toEqual([
      ['holdout', 20, 120, 12],
      ['treated', 80, 480, 96],
    ]);
    expect(holdout?.srm?.mismatch).toBe(false);
    expect(holdout?.verdict.kind).toBe('no_difference_yet');
    const reminder = consumer.experiments.find((experiment) => experiment.experiment === 'reminder');
    expect(reminder?.arms.map((arm) => [arm.id, arm.entered, arm.conversions, arm.humanClicked])).toEqual([
      ['control', 240, 24, 60],
      ['urgent', 240, 72, 60],
    ]);
    expect(reminder?.verdict).toEqual({ kind: 'winner', arm: 'urgent', metric: 'orders' });

    const welcome = body.campaigns[1]!.experiments[0]!;
    expect(welcome.arms.map((arm) => [arm.id, arm.entered])).toEqual([
      ['plain', 150],
      ['illustrated', 90],
    ]);
    expect(welcome.srm?.mismatch).toBe(true);
    expect(welcome.verdict.kind).toBe('sample_ratio_mismatch');
  });

  it('matches the OpenAPI document exactly, for a full report, one campaign and an empty range', async () => {
    const validate = await responseValidator('200');
    for (const query of [
      `?since=${SEEDED_RANGE.since}&until=${SEEDED_RANGE.until}`,
      `?since=${SEEDED_RANGE.since}&until=${SEEDED_RANGE.until}&campaign=welcome`,
      '?since=2025-01-01&until=2025-01-31',
      '', // the default range: the 30 days up to "now" (2026-03-10)
    ]) {
      const response = await report(query);
      expect(response.status, query).toBe(200);
      expectValid(validate, await response.json());
    }
    // The validator is not a rubber stamp: a count as a fraction, or a field it does not know, fails.
    const body = (await (await report(`?since=${SEEDED_RANGE.since}`)).json()) as CampaignReport;
    expect(validate({ ...body, campaigns: [{ ...body.campaigns[0], extra: 1 }] })).toBe(false);
    const funnel = body.campaigns[0]!.funnel;
    expect(validate({ ...body, campaigns: [{ ...body.campaigns[0], funnel: [{ ...funnel[0], sent: 1.5 }] }] })).toBe(
      false,
    );
  });

  it('filters to one campaign and defaults since to 30 days before until', async () => {
    const one = (await (await report('?until=2026-03-04&campaign=welcome')).json()) as CampaignReport;
    expect(one.range).toEqual({ since: '2026-02-03', until: '2026-03-04' });
    expect(one.campaigns.map((section) => section.campaignId)).toEqual(['welcome']);
    const empty = (await (await report('?since=2025-01-01&until=2025-01-31')).json()) as CampaignReport;
    expect(empty).toEqual({ range: { since: '2025-01-01', until: '2025-01-31' }, campaigns: [] });
  });

  it.each([
    ['?since=2026-02-30', 'since', 'since must be a calendar day as YYYY-MM-DD, such as 2026-11-01 (got "2026-02-30")'],
    ['?until=03/04/2026', 'until', 'until must be a calendar day as YYYY-MM-DD, such as 2026-11-01 (got "03/04/2026")'],
    ['?since=2026-03-05&until=2026-03-01', 'since', 'since (2026-03-05) is after until (2026-03-01): swap them'],
    ['?campaign=nope', 'campaign', 'unknown campaign "nope"; known campaigns: consumer, welcome'],
    ['?campaign=', 'campaign', 'campaign is empty: name one, or leave it out'],
    ['?since=2026-03-01&since=2026-03-02', 'since', 'since is given more than once'],
  ])('%s is a 400 naming the parameter', async (query, parameter, message) => {
    const response = await report(query);
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body).toEqual({ error: 'invalid_parameter', parameter, message });
    expectValid(await responseValidator('400'), body);
  });

  it('an unknown parameter is a 400 that lists the ones there are', async () => {
    const response = await report('?from=2026-03-01');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'unknown_parameter',
      message: 'unknown query parameter "from"; use since, until and campaign',
    });
  });

  it('is a 401 without the token or with a wrong one, and never says what the token is', async () => {
    const validate = await responseValidator('401');
    const attempts: Array<Record<string, string>> = [
      {},
      { Authorization: 'Bearer wrong-token-0123456789abcdef' },
      { Authorization: ADMIN_TOKEN }, // the token without the Bearer scheme
    ];
    for (const headers of attempts) {
      const response = await report('?campaign=nope', headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      const body = await response.json();
      expectValid(validate, body);
      expect(JSON.stringify(body)).not.toContain(ADMIN_TOKEN);
    }
  });
});

describe('GET /admin/openapi.json', () => {
  it('serves the document without the token (it holds no data); the privacy API still needs it', async () => {
    const openapi = await app.request('/admin/openapi.json');
    expect(openapi.status).toBe(200);
    expect(await openapi.json()).toEqual(reportOpenApi);
    expect((await app.request('/admin/privacy/export?email=a@example.com')).status).toBe(401);
  });
});

describe('GET /admin/reports/campaigns for another shop (Cartflow-Shop)', () => {
  const range = `?since=${SEEDED_RANGE.since}&until=${SEEDED_RANGE.until}`;
  const sentOf = (body: CampaignReport) =>
    body.campaigns.flatMap((section) => section.daily).reduce((sum, row) => sum + row.sent, 0);

  it("reports the named shop's rows only: a shop without data sees none of the others'", async () => {
    const empty = await report(range, { ...auth, 'Cartflow-Shop': 'shop-empty' });
    expect(empty.status).toBe(200);
    expect(((await empty.json()) as CampaignReport).campaigns).toEqual([]);
    const other = await report(range, { ...auth, 'Cartflow-Shop': 'shop-other' });
    expect(other.status).toBe(200);
    const mine = (await (await report(range)).json()) as CampaignReport;
    expect(sentOf((await other.json()) as CampaignReport)).toBe(sentOf(mine));
    expect(sentOf(mine)).toBeGreaterThan(0);
  });

  it('an unknown shop: 404 naming it; a malformed one: 400', async () => {
    const unknown = await report(range, { ...auth, 'Cartflow-Shop': 'nowhere' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: 'unknown_shop',
      message: expect.stringContaining('"nowhere"'),
    });
    expect((await report(range, { ...auth, 'Cartflow-Shop': 'no such/shop' })).status).toBe(400);
  });
});

describe('GET /admin/dashboard', () => {
  it('serves the page without the token (it holds no data), with security headers', async () => {
    const page = await app.request('/admin/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline scripts
  });

  it('on a server without ADMIN_TOKEN, says the dashboard is off and how to turn it on, instead of asking for a token', async () => {
    const withoutToken = reportApp();
    const page = await withoutToken.request('/admin/dashboard');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('The dashboard is off on this server');
    expect(html).toContain('<code>ADMIN_TOKEN</code>');
    expect(html).not.toContain('id="token-form"');
    expect(html).not.toMatch(/<script/);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await (await app.request('/admin/dashboard')).text()).toContain('id="token-form"');
  });

  it('a trailing slash redirects to the page (its links are relative to /admin/dashboard)', async () => {
    const response = await app.request('/admin/dashboard/');
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe('/admin/dashboard');
  });

  it('serves the chart library from node_modules with a script content type, and nothing else', async () => {
    for (const file of ['lib/chart.umd.min.js', 'lib/chartjs-chart-error-bars.umd.min.js', 'app.js']) {
      const response = await app.request(`/admin/dashboard/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect((await app.request('/admin/dashboard/app.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    for (const path of ['lib/../../../package.json', 'lib/chart.js', '..%2f..%2fpackage.json', 'constructor']) {
      expect((await app.request(`/admin/dashboard/${path}`)).status, path).toBe(404);
    }
  });
});
