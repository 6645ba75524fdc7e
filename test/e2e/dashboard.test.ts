import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app';
import type { CartWorkflows } from '../../server/cart-workflows';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { type TestHttpServer, startHttpServer } from '../helpers/http-server';
import { SEEDED_RANGE, seedReportData, seededCampaigns } from '../helpers/report-seed';
import { launchChromium } from '../helpers/chromium';

// The real HTTP server on a seeded database, the dashboard in real headless Chromium.
const shopId = 'shop-dashboard';
const ADMIN_TOKEN = 'dashboard-admin-token-0123456789abcdef';
const artifacts = path.resolve(import.meta.dirname, '../../test-artifacts');
let database: TestDatabase;
let server: TestHttpServer;
let browser: Browser;

const noWorkflows: CartWorkflows = {
  deliver: () => Promise.reject(new Error('the dashboard starts no workflows')),
  startJourneys: () => Promise.reject(new Error('the dashboard starts no workflows')),
  disableCartCodes: () => Promise.reject(new Error('the dashboard starts no workflows')),
  plannedJourneys: async () => [],
};

beforeAll(async () => {
  database = await createTestDatabase();
  await seedReportData(database.sql, shopId);
  const app = createApp({
    db: database.db,
    workflows: noWorkflows,
    config: {
      shopId,
      webhookSecret: 'unused-webhook-secret',
      webhookMaxBytes: 64 * 1024,
      webhookToleranceMs: 300_000,
      adminToken: ADMIN_TOKEN,
    },
    logger: pino({ level: 'silent' }),
    campaignVersions: seededCampaigns,
  });
  server = await startHttpServer(app);
  await mkdir(artifacts, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await database?.drop();
});

/** The browser globals the checks below read (the project's tsconfig has no DOM library). */
interface PageGlobals {
  document: {
    body: { dataset: Record<string, string | undefined> };
    documentElement: { scrollWidth: number; clientWidth: number };
  };
  sessionStorage: { length: number };
  localStorage: { length: number };
  Chart: {
    getChart(canvas: unknown): {
      config: { type: string };
      options: { indexAxis?: 'x' | 'y' };
      data: { labels: string[]; datasets: Array<{ label: string; data: number[] }> };
    };
  };
}
interface CanvasElement {
  width: number;
  height: number;
  getBoundingClientRect(): { width: number };
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}

/** What Chart.js says about one axis of a drawn chart (public API: ticks, pixels, its box). */
interface ChartAxis {
  ticks: Array<{ label: string | string[] }>;
  labelRotation: number;
  width: number;
  height: number;
  options: { ticks: { font: unknown } };
  isHorizontal(): boolean;
  getPixelForTick(index: number): number;
  getValueForPixel(pixel: number): number;
}
interface LayoutGlobals {
  Chart: {
    getChart(canvas: unknown): {
      width: number;
      height: number;
      chartArea: { width: number; height: number };
      options: { indexAxis?: 'x' | 'y' };
      scales: { x: ChartAxis; y: ChartAxis };
      ctx: { font: string; measureText(text: string): { width: number } };
      getDatasetMeta(index: number): {
        data: Array<{ getProps(keys: string[]): Record<string, number | null> }>;
      };
    };
    helpers: { toFont(font: unknown): { string: string; lineHeight: number } };
  };
}

interface OpenedPage {
  page: Page;
  /** Console errors and uncaught exceptions, CSP violations included. */
  errors: string[];
  /** Every URL the page asked for. */
  requests: string[];
}

async function openDashboard(width: number): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(`${server.url}/admin/dashboard`);
  await page.locator('#token').waitFor();
  return { page, errors, requests };
}

/** Resolves once the page says the report is drawn (charts are made without animation). */
const stateIs = (page: Page, state: string) =>
  page.waitForFunction(
    (wanted) => (globalThis as unknown as PageGlobals).document.body.dataset.state === wanted,
    state,
  );

async function showSeededRange(page: Page) {
  await page.locator('#token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Open the dashboard' }).click();
  // The default range (the last 30 days) has no data: the page says so in words.
  await stateIs(page, 'empty');
  expect(await page.locator('#status').textContent()).toMatch(/^No campaign data from \d{4}-\d{2}-\d{2} to /);
  await page.locator('#since').fill(SEEDED_RANGE.since);
  await page.locator('#until').fill(SEEDED_RANGE.until);
  await page.getByRole('button', { name: 'Show' }).click();
  await stateIs(page, 'ready');
}

/** Per canvas: its CSS width, its chart type, and the share of pixels that are drawn on. */
const canvases = (page: Page) =>
  page.locator('canvas').evaluateAll((elements) =>
    (elements as unknown as CanvasElement[]).map((canvas) => {
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let drawn = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) drawn += 1;
      return {
        width: canvas.getBoundingClientRect().width,
        type: (globalThis as unknown as PageGlobals).Chart.getChart(canvas).config.type,
        drawnShare: drawn / (data.length / 4),
      };
    }),
  );

/**
 * A bar chart's category labels as drawn: their lines, their tilt, where each lies along the
 * category axis (start to end, in canvas pixels) and how deep it is across it, beside the room the
 * axis has; and how long the value axis is, i.e. the room the bars have to differ.
 */
const barLayout = (canvas: Locator) =>
  canvas.evaluate((canvas) => {
    const { Chart } = globalThis as unknown as LayoutGlobals;
    const chart = Chart.getChart(canvas);
    const axis = chart.options.indexAxis === 'y' ? chart.scales.y : chart.scales.x;
    const across = axis.isHorizontal();
    const font = Chart.helpers.toFont(axis.options.ticks.font);
    chart.ctx.font = font.string;
    const boxes = axis.ticks.map((tick, index) => {
      const lines = ([] as string[]).concat(tick.label);
      const width = Math.max(...lines.map((line) => chart.ctx.measureText(line).width));
      const height = lines.length * font.lineHeight;
      const center = axis.getPixelForTick(index);
      const along = across ? width : height;
      return { lines, start: center - along / 2, end: center + along / 2, depth: across ? height : width };
    });
    return {
      steps: across ? 'below the bars' : 'beside the bars',
      rotation: axis.labelRotation,
      boxes,
      axisLength: across ? chart.width : chart.height,
      labelRoom: across ? axis.height : axis.width,
      barRoom: across ? chart.chartArea.height : chart.chartArea.width,
    };
  });

const funnelLayout = (page: Page) =>
  barLayout(page.locator('[data-campaign="consumer"] canvas[aria-label="Funnel of consumer per step"]'));

type BarLayout = Awaited<ReturnType<typeof barLayout>>;

/** Every label upright, inside the canvas and its axis' box, and clear of the next one. */
function expectReadableLabels(layout: BarLayout) {
  expect(layout.rotation).toBe(0);
  layout.boxes.forEach((box, index) => {
    const label = box.lines.join(' ');
    expect(box.start, label).toBeGreaterThanOrEqual(0);
    expect(box.end, label).toBeLessThanOrEqual(layout.axisLength);
    expect(box.depth, label).toBeLessThanOrEqual(layout.labelRoom);
    const next = layout.boxes[index + 1];
    if (next) expect(box.end, `${label} runs into ${next.lines.join(' ')}`).toBeLessThanOrEqual(next.start);
  });
}

/**
 * Per bar of an arms chart, read back from the pixels Chart.js placed: the rate at the bar's end
 * and the 95 % interval at its whiskers' ends, in % on the value axis (null where nothing is drawn).
 */
const whiskers = (canvas: Locator) =>
  canvas.evaluate((canvas) => {
    const chart = (globalThis as unknown as LayoutGlobals).Chart.getChart(canvas);
    const axis = chart.options.indexAxis === 'y' ? chart.scales.x : chart.scales.y;
    const key = axis.isHorizontal() ? 'x' : 'y';
    const value = (pixel: number | null | undefined) =>
      typeof pixel === 'number' ? axis.getValueForPixel(pixel) : null;
    return chart.getDatasetMeta(0).data.map((bar) => {
      const props = bar.getProps([key, `${key}Min`, `${key}Max`]);
      return { rate: value(props[key]), low: value(props[`${key}Min`]), high: value(props[`${key}Max`]) };
    });
  });

/** The seeded experiments' arms charts, with the lines of their labels on a phone and on a desktop. */
const ARMS = [
  {
    canvas: '[data-campaign="consumer"] [data-experiment="holdout"] canvas',
    phone: [
      ['holdout', '(no email)', '(120)'],
      ['emailed', '(480)'],
    ],
    desktop: [['holdout (no email) (120)'], ['emailed (480)']],
  },
  {
    canvas: '[data-campaign="consumer"] [data-experiment="reminder"] canvas',
    phone: [
      ['control', '(240)'],
      ['urgent', '(240)'],
    ],
    desktop: [['control (240)'], ['urgent (240)']],
  },
  {
    canvas: '[data-campaign="welcome"] [data-experiment="welcome"] canvas',
    phone: [
      ['plain', '(150)'],
      ['illustrated', '(90)'],
    ],
    desktop: [['plain (150)'], ['illustrated (90)']],
  },
];

describe('dashboard (real HTTP server, headless Chromium)', () => {
  it.each([1280, 375])('draws funnel, arms with error bars, daily series and verdicts at %i px', async (width) => {
    const { page, errors, requests } = await openDashboard(width);
    await showSeededRange(page);

    const drawn = await canvases(page);
    // consumer: funnel, holdout, reminder variants, daily; welcome: funnel, its variants, daily.
    expect(drawn.map((canvas) => canvas.type)).toEqual([
      'bar',
      'barWithErrorBars',
      'barWithErrorBars',
      'line',
      'bar',
      'barWithErrorBars',
      'line',
    ]);
    for (const canvas of drawn) {
      expect(canvas.drawnShare).toBeGreaterThan(0.01);
      expect(canvas.width).toBeLessThanOrEqual(width);
    }

    const verdicts = await page.locator('.verdict').allTextContents();
    expect(verdicts).toContain('Verdict: “urgent” wins on orders against “control”.');
    expect(verdicts.some((text) => text.startsWith('Verdict: no difference on orders yet'))).toBe(true);
    expect(verdicts).toContain('Verdict: none. The arms are not the planned split, so they cannot be compared.');
    expect(await page.locator('[data-campaign="welcome"] .srm-warning').textContent()).toMatch(
      /^Sample ratio mismatch: plain 150, illustrated 90 entered, planned 1 : 1 \(p = /,
    );

    const scroll = await page.evaluate(() => {
      const { documentElement } = (globalThis as unknown as PageGlobals).document;
      return { document: documentElement.scrollWidth, viewport: documentElement.clientWidth };
    });
    expect(scroll.document).toBeLessThanOrEqual(scroll.viewport);

    // The token stays in this tab's session storage: never in an address, never in localStorage.
    expect(requests.filter((url) => url.includes(ADMIN_TOKEN))).toEqual([]);
    expect(requests.filter((url) => !url.startsWith(server.url))).toEqual([]);
    const storage = await page.evaluate(() => {
      const { sessionStorage, localStorage } = globalThis as unknown as PageGlobals;
      return [sessionStorage.length, localStorage.length];
    });
    expect(storage).toEqual([1, 0]);
    expect(errors).toEqual([]);

    await page.screenshot({ path: path.join(artifacts, `dashboard-${width}.png`), fullPage: true });
    await page.context().close();
  });

  it('the funnel is readable on a phone (390 px), and as before on a desktop once the window is wider', async () => {
    const { page, errors } = await openDashboard(390);
    await showSeededRange(page);
    const phone = await funnelLayout(page);
    // Every funnel line keeps its label, on lines of their own rather than tilted over each other.
    expect(phone.boxes.map((box) => box.lines)).toEqual([
      ['reminder', 'control'],
      ['reminder', 'holdout'],
      ['reminder', 'urgent'],
      ['incentive'],
    ]);
    expectReadableLabels(phone);
    // The bars have room to differ: tilted labels and the legend had left them 147 px.
    expect(phone.barRoom).toBeGreaterThanOrEqual(200);
    const scroll = await page.evaluate(() => {
      const { documentElement } = (globalThis as unknown as PageGlobals).document;
      return { document: documentElement.scrollWidth, viewport: documentElement.clientWidth };
    });
    expect(scroll.document).toBeLessThanOrEqual(scroll.viewport);
    await page.screenshot({ path: path.join(artifacts, 'dashboard-funnel-390.png'), fullPage: true });

    // A phone turned, or a window widened past the phone layout: the desktop funnel, drawn again.
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.waitForFunction(() => {
      const canvas = (
        globalThis as unknown as { document: { querySelector(s: string): unknown } }
      ).document.querySelector('[data-campaign="consumer"] canvas');
      return (
        canvas !== null && (globalThis as unknown as LayoutGlobals).Chart.getChart(canvas).options.indexAxis !== 'y'
      );
    });
    const desktop = await funnelLayout(page);
    expect(desktop.steps).toBe('below the bars');
    expect(desktop.boxes.map((box) => box.lines)).toEqual([
      ['reminder · control'],
      ['reminder · holdout'],
      ['reminder · urgent'],
      ['incentive'],
    ]);
    expectReadableLabels(desktop);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('the experiments’ arms are readable on a phone (390 px) with their intervals, and as before on a desktop', async () => {
    const { page, errors } = await openDashboard(390);
    await showSeededRange(page);
    const intervals: Array<Awaited<ReturnType<typeof whiskers>>> = [];
    for (const arms of ARMS) {
      const canvas = page.locator(arms.canvas);
      const phone = await barLayout(canvas);
      // Every arm keeps its label, on lines of their own rather than tilted over each other.
      expect(phone.boxes.map((box) => box.lines)).toEqual(arms.phone);
      expectReadableLabels(phone);
      expect(phone.barRoom, arms.canvas).toBeGreaterThanOrEqual(180);
      intervals.push(await whiskers(canvas));
    }
    const scroll = await page.evaluate(() => {
      const { documentElement } = (globalThis as unknown as PageGlobals).document;
      return { document: documentElement.scrollWidth, viewport: documentElement.clientWidth };
    });
    expect(scroll.document).toBeLessThanOrEqual(scroll.viewport);
    await page
      .locator('[data-campaign="consumer"] .experiments')
      .screenshot({ path: path.join(artifacts, 'dashboard-arms-390.png') });

    await page.setViewportSize({ width: 1280, height: 900 });
    await page.waitForFunction(() => {
      const canvas = (
        globalThis as unknown as { document: { querySelector(s: string): unknown } }
      ).document.querySelector('[data-experiment] canvas');
      return (
        canvas !== null && (globalThis as unknown as LayoutGlobals).Chart.getChart(canvas).options.indexAxis !== 'y'
      );
    });
    for (const [index, arms] of ARMS.entries()) {
      const canvas = page.locator(arms.canvas);
      const desktop = await barLayout(canvas);
      expect(desktop.steps).toBe('below the bars');
      expect(desktop.boxes.map((box) => box.lines)).toEqual(arms.desktop);
      expectReadableLabels(desktop);
      // The whiskers mark the same rates and intervals whichever way the bars run, each around its bar.
      const upright = await whiskers(canvas);
      upright.forEach((bar, arm) => {
        const across = intervals[index]![arm]!;
        const where = `${arms.canvas} arm ${arm}`;
        expect(bar.low, where).not.toBeNull();
        expect(bar.low!, where).toBeLessThanOrEqual(bar.rate!);
        expect(bar.rate!, where).toBeLessThan(bar.high!);
        for (const field of ['rate', 'low', 'high'] as const) {
          expect(across[field], `${where} ${field}`).toBeCloseTo(bar[field]!, 0);
        }
      });
    }
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('the daily series shows the unconfirmed emails of their day beside the sent ones', async () => {
    const { page, errors } = await openDashboard(1280);
    await showSeededRange(page);
    const series = await page
      .locator('[data-campaign="consumer"] canvas[aria-label="Daily series of consumer"]')
      .evaluate((canvas) => {
        const { data } = (globalThis as unknown as PageGlobals).Chart.getChart(canvas);
        return { labels: data.labels, lines: data.datasets.map((dataset) => [dataset.label, dataset.data]) };
      });
    expect(series.labels).toEqual(['2026-03-02', '2026-03-03', '2026-03-04']);
    expect(series.lines).toEqual([
      ['Sent', [193, 193, 194]],
      ['Unconfirmed', [0, 7, 0]],
      ['Clicked (people)', [40, 40, 40]],
      ['Attributed orders', [28, 28, 28]],
    ]);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('an arm nobody entered has no bar and no rate, and the page still draws', async () => {
    // Five emailed entrants of consumer v3 (variant control) on a day of their own: in that range
    // the holdout and the `urgent` variant have nobody, so their rates are null in the report.
    const day = '2026-04-10';
    const started = new Date(`${day}T08:00:00Z`);
    const customers = await database.sql<Array<{ id: string }>>`insert into customers ${database.sql(
      [1, 2, 3, 4, 5].map((i) => ({ shop_id: shopId, email: `lone-${i}@example.com`, marketing_consent: true })),
    )} returning id`;
    await database.sql`insert into chains ${database.sql(
      customers.map(({ id }, i) => ({
        workflow_id: `lone:${shopId}:${i}`,
        shop_id: shopId,
        customer_id: Number(id),
        cart_id: `lone-cart-${i}`,
        trigger: 'cart.abandoned',
        campaign_id: 'consumer',
        campaign_version: 3,
        segment: 'everyone',
        status: 'finished',
        started_at: started,
        arm: 'treated',
        variants: database.sql.json({ reminder: 'control' }),
        currency: 'EUR',
        conversion_until: new Date(started.getTime() + 7 * 86_400_000),
      })),
    )}`;
    const { page, errors } = await openDashboard(375);
    await showSeededRange(page);
    await page.locator('#since').fill(day);
    await page.locator('#until').fill(day);
    await page.getByRole('button', { name: 'Show' }).click();
    await stateIs(page, 'ready');
    const bars = (experiment: string) =>
      page.locator(`[data-campaign="consumer"] [data-experiment="${experiment}"] canvas`).evaluate((canvas) => {
        const { data, options } = (globalThis as unknown as PageGlobals).Chart.getChart(canvas);
        // At phone width the bars run across: the rate is on the x axis.
        const rate = options.indexAxis === 'y' ? 'x' : 'y';
        const bars = data.datasets[0]?.data as unknown as Array<Record<'x' | 'y', number | null>>;
        return { labels: data.labels, values: bars.map((bar) => ({ y: bar[rate] })) };
      });
    const holdout = await bars('holdout');
    expect(holdout.labels).toEqual(['holdout (no email) (0)', 'emailed (5)']);
    expect(holdout.values.map((bar) => bar.y)).toEqual([null, 0]);
    const variants = await bars('reminder');
    expect(variants.labels).toEqual(['control (5)', 'urgent (0)']);
    expect(variants.values.map((bar) => bar.y)).toEqual([0, null]);
    expect(errors).toEqual([]);
    await page.screenshot({ path: path.join(artifacts, 'dashboard-empty-arm-375.png'), fullPage: true });
    await page.context().close();
  });

  it('a wrong token is said in words and the token is asked for again', async () => {
    const { page, errors } = await openDashboard(375);
    await page.locator('#token').fill('not-the-admin-token-0123456789');
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await stateIs(page, 'token');
    expect(await page.locator('#status').textContent()).toBe(
      'That token was not accepted (401). Enter the ADMIN_TOKEN configured on this server.',
    );
    expect(await page.locator('#token').isVisible()).toBe(true);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.length)).toBe(0);
    // Chromium reports the refused request itself; nothing else may go wrong.
    expect(errors.filter((text) => !/status of 401/.test(text))).toEqual([]);
    await page.screenshot({ path: path.join(artifacts, 'dashboard-wrong-token-375.png'), fullPage: true });
    await page.context().close();
  });

  it('a bad range shows the server’s message', async () => {
    const { page } = await openDashboard(1280);
    await showSeededRange(page);
    await page.locator('#since').fill('2026-03-09');
    await page.getByRole('button', { name: 'Show' }).click();
    await stateIs(page, 'error');
    expect(await page.locator('#status').textContent()).toBe(
      'The report could not be loaded (400): since (2026-03-09) is after until (2026-03-04): swap them.',
    );
    expect(await page.locator('canvas').count()).toBe(0);
    await page.context().close();
  });
});
