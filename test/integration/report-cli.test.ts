import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignReport } from '../../reports/build-report';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { inheritedEnv } from '../helpers/test-env';

// `npm run report` as an analyst runs it: a real process against a real Postgres, whose rollups
// the migration's triggers fill from plain inserts into chains, messages and orders.
const shopId = 'shop-report';
const root = path.resolve(import.meta.dirname, '../..');
const campaignsDir = path.join(root, 'test/fixtures/campaigns-report');
const HOUR = 3_600_000;
let database: TestDatabase;

/** One entrant of the ab-cart campaign (fixture): its arms and what came of it. */
interface Entrant {
  index: number;
  arm: 'holdout' | 'treated';
  variant: 'control' | 'bold' | null;
  startedAt: Date;
  converted: boolean;
  /** Ordered the very cart the chain was about (else another cart). */
  recovered: boolean;
  totalMinor: number;
  clicked: boolean;
  opened: boolean;
  bounced: boolean;
  unsubscribed: boolean;
  /** The order goes to the reminder, as a human click within the window makes it at intake. */
  attributed: boolean;
}

// 300 in the holdout (3 % order), 1,200 treated split over two variants (20 % order in each):
// the 20/80 split the campaign file plans, a clear uplift, and variants that do not differ.
const entrants: Entrant[] = Array.from({ length: 1500 }, (_, index) => {
  const arm = index < 300 ? 'holdout' : 'treated';
  const converted = arm === 'holdout' ? index % 100 < 3 : index % 10 < 2;
  const treated = arm === 'treated';
  const clicked = treated && index % 5 === 0;
  return {
    index,
    arm,
    variant: treated ? (index % 2 === 0 ? 'control' : 'bold') : null,
    startedAt: new Date(Date.UTC(2026, 10, 10 + (index % 10), 8)),
    converted,
    recovered: index % 20 !== 1,
    totalMinor: 5000 + (index % 7) * 100,
    clicked,
    opened: treated && index % 3 === 0,
    bounced: treated && index % 50 === 1,
    unsubscribed: treated && index % 100 === 7,
    attributed: converted && clicked,
  };
});

async function seed(): Promise<void> {
  const sql = database.sql;
  const customers = await sql<Array<{ id: string; email: string }>>`insert into customers ${sql(
    entrants.map((e) => ({ shop_id: shopId, email: `buyer-${e.index}@example.com` })),
  )} returning id, email`;
  const customerOf = new Map(customers.map((row) => [row.email, Number(row.id)]));
  const rows = entrants.map((e) => ({ ...e, customerId: customerOf.get(`buyer-${e.index}@example.com`) as number }));
  await sql`insert into chains ${sql(
    rows.map((e) => ({
      workflow_id: `cart:${shopId}:cart-${e.index}`,
      shop_id: shopId,
      customer_id: e.customerId,
      cart_id: `cart-${e.index}`,
      trigger: 'cart.abandoned',
      campaign_id: 'ab-cart',
      campaign_version: 1,
      segment: 'ab-cart',
      started_at: e.startedAt,
      arm: e.arm,
      // As the step activity records it: the holdout is in no step's experiment.
      variants: sql.json(e.variant ? { reminder: e.variant } : {}),
      currency: 'EUR',
      conversion_until: new Date(e.startedAt.getTime() + 6 * 24 * HOUR),
    })),
  )}`;
  const messages = await sql<Array<{ id: string; cart_id: string }>>`insert into messages ${sql(
    rows.map((e) => ({
      key: `cart:${shopId}:cart-${e.index}:reminder`,
      shop_id: shopId,
      cart_id: `cart-${e.index}`,
      customer_id: e.customerId,
      step: 'reminder',
      template_id: 'cart-reminder',
      template_version: 'v1',
      campaign_id: 'ab-cart',
      campaign_version: 1,
      segment: 'ab-cart',
      workflow_id: `cart:${shopId}:cart-${e.index}`,
      variant: e.variant ?? 'holdout',
      currency: 'EUR',
      status: e.arm === 'holdout' ? 'skipped' : 'sent',
      reason: e.arm === 'holdout' ? 'holdout' : null,
      message_id_header: `<reminder-${e.index}@mail.example.com>`,
      created_at: new Date(e.startedAt.getTime() + HOUR),
      human_opens: e.opened ? 1 : 0,
      machine_opens: e.arm === 'treated' ? 1 : 0,
      human_clicks: e.clicked ? 2 : 0,
      bounced_at: e.bounced ? new Date(e.startedAt.getTime() + HOUR) : null,
      unsubscribed_at: e.unsubscribed ? new Date(e.startedAt.getTime() + 3 * HOUR) : null,
    })),
  )} returning id, cart_id`;
  const messageOf = new Map(messages.map((row) => [row.cart_id, row.id]));
  await sql`insert into orders ${sql(
    rows
      .filter((e) => e.converted)
      .map((e) => ({
        shop_id: shopId,
        order_id: `order-${e.index}`,
        customer_id: e.customerId,
        cart_id: e.recovered ? `cart-${e.index}` : `other-cart-${e.index}`,
        placed_at: new Date(e.startedAt.getTime() + 2 * HOUR),
        currency: 'EUR',
        total_minor: e.totalMinor,
        attributed_message_id: e.attributed ? (messageOf.get(`cart-${e.index}`) as string) : null,
        attribution_touch: e.attributed ? 'click' : null,
      })),
  )}`;
}

beforeAll(async () => {
  database = await createTestDatabase();
  await seed();
});
afterAll(async () => {
  await database?.drop();
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliOfShop(shopId, ...args);
}

function cliOfShop(shop: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/cartflow.js', 'report', ...args],
      {
        cwd: root,
        env: {
          ...inheritedEnv(),
          DATABASE_URL: database.url,
          SHOP_ID: shop,
          CAMPAIGNS_DIR: campaignsDir,
          LOG_LEVEL: 'silent',
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

const RANGE = ['--campaign', 'ab-cart', '--since', '2026-11-01', '--until', '2026-11-30'];

/** What the funnel of one variant must say, counted from the seed. */
function expectedFunnel(variant: 'control' | 'bold' | 'holdout') {
  const group = entrants.filter((e) => (e.variant ?? 'holdout') === variant);
  const sent = group.filter((e) => e.arm === 'treated').length;
  const bounced = group.filter((e) => e.bounced).length;
  const attributed = group.filter((e) => e.attributed);
  return {
    reached: group.length,
    sent,
    delivered: sent - bounced,
    bounced,
    opens: group.filter((e) => e.opened).length,
    clicks: group.filter((e) => e.clicked).length,
    orders: attributed.length,
    revenueMinor: attributed.reduce((sum, e) => sum + e.totalMinor, 0),
    recovered: attributed.filter((e) => e.recovered).length,
    unsubscribed: group.filter((e) => e.unsubscribed).length,
  };
}

const euro = (minor: number) => `€${(minor / 100).toLocaleString('en', { minimumFractionDigits: 2 })}`;
const pct = (rate: number) => (rate * 100).toFixed(1);

describe('npm run report', () => {
  let json: CampaignReport;
  beforeAll(async () => {
    const result = await cli(...RANGE, '--format', 'json');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    json = JSON.parse(result.stdout) as CampaignReport;
  });

  it('json: the report object with both experiments and the counts the seed holds', () => {
    expect(json.range).toEqual({ since: '2026-11-01', until: '2026-11-30' });
    const [campaign] = json.campaigns;
    expect(campaign?.name).toBe('Abandoned cart, "A/B" & holdout');
    const holdout = campaign?.experiments.find((experiment) => experiment.experiment === 'holdout');
    const converted = (arm: string) => entrants.filter((e) => e.arm === arm && e.converted).length;
    expect(holdout?.arms.map(({ id, weight, entered, conversions }) => ({ id, weight, entered, conversions }))).toEqual(
      [
        { id: 'holdout', weight: 20, entered: 300, conversions: converted('holdout') },
        { id: 'treated', weight: 80, entered: 1200, conversions: converted('treated') },
      ],
    );
    const treatedRevenue = entrants
      .filter((e) => e.arm === 'treated' && e.converted)
      .reduce((s, e) => s + e.totalMinor, 0);
    expect(holdout?.arms[1]?.revenueMinor).toBe(treatedRevenue);
    expect(holdout?.verdict).toEqual({ kind: 'winner', arm: 'treated', metric: 'orders' });
    const variants = campaign?.experiments.find((experiment) => experiment.experiment === 'reminder');
    expect(variants?.arms.map((arm) => [arm.id, arm.entered])).toEqual([
      ['control', 600],
      ['bold', 600],
    ]);
    expect(variants?.verdict.kind).toBe('no_difference_yet');
  });

  it('table: the verdicts in words, and the funnel line of each variant with its counts', async () => {
    const result = await cli(...RANGE);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const holdout = json.campaigns[0]?.experiments.find((experiment) => experiment.experiment === 'holdout');
    const treated = holdout?.arms[1]?.vsControl;
    const interval = treated?.sequentialInterval;
    const difference = converted('treated') / 1200 - converted('holdout') / 300;
    expect(result.stdout).toContain(
      `verdict: treated beats holdout on orders: +${pct(difference)} pp [${pct(interval!.low)}, ${pct(interval!.high)}], ` +
        'sequential test, valid at every look',
    );
    const variants = json.campaigns[0]?.experiments.find((experiment) => experiment.experiment === 'reminder');
    const needed = variants?.verdict.kind === 'no_difference_yet' ? variants.verdict.neededPerArm : null;
    expect(needed).toBeGreaterThan(0);
    expect(result.stdout).toContain(
      `verdict: no difference yet: about ${needed!.toLocaleString('en')} more per arm needed`,
    );
    expect(result.stdout).toMatch(/sample ratio: ok, p=1\.000 \(planned 20:80, entered 300:1200\)/);

    for (const variant of ['control', 'bold', 'holdout'] as const) {
      const want = expectedFunnel(variant);
      // A line with nothing delivered has no rate: "–", not 0.0 % [0.0, 100.0].
      const clickRate = want.delivered === 0 ? '–' : `${pct(want.clicks / want.delivered)} %\\s+\\[[\\d.]+, [\\d.]+\\]`;
      const line = result.stdout
        .split('\n')
        .find((text) => new RegExp(`^\\s+v1\\s+reminder\\s+${variant}\\s`).test(text));
      const cells = [
        want.reached,
        want.sent,
        0, // unconfirmed: the seed has no send whose attempt died
        want.delivered,
        want.opens,
        clickRate,
        want.orders,
        euro(want.revenueMinor),
        want.recovered,
        want.unsubscribed,
        want.bounced,
      ].map((cell) => (typeof cell === 'number' ? cell.toLocaleString('en') : cell));
      expect(line, variant).toMatch(new RegExp(cells.join('\\s+')));
    }
    expect(result.stdout).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('csv: one row per funnel line, with counts and rates that parse', async () => {
    const result = await cli(...RANGE, '--format', 'csv');
    expect(result.code).toBe(0);
    const [header, ...rows] = parseCsv(result.stdout);
    expect(rows).toHaveLength(json.campaigns[0]!.funnel.length);
    expect(rows).toHaveLength(3);
    const record = (variant: string) => {
      const row = rows.find((cells) => cells[header!.indexOf('variant')] === variant)!;
      return Object.fromEntries(header!.map((name, column) => [name, row[column]]));
    };
    const control = record('control');
    const want = expectedFunnel('control');
    expect(control).toMatchObject({
      campaign: 'ab-cart',
      version: '1',
      step: 'reminder',
      currency: 'EUR',
      sent: String(want.sent),
      delivered: String(want.delivered),
      unique_human_clicks: String(want.clicks),
      attributed_orders: String(want.orders),
      attributed_revenue_minor: String(want.revenueMinor),
      attributed_revenue: (want.revenueMinor / 100).toFixed(2),
    });
    // Fractions rounded to 6 decimals: never scientific notation or float noise in a cell.
    expect(control.human_click_rate).toBe(String(Math.round((want.clicks / want.delivered) * 1e6) / 1e6));
    expect(Number(control.human_click_rate_low)).toBeLessThan(Number(control.human_click_rate));
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/e-|\.\d{7}/);
    // The holdout got no email: its rates and revenue per recipient are empty cells, not 0 in [0, 1] or 0.
    expect(record('holdout')).toMatchObject({
      sent: '0',
      delivered: '0',
      human_open_rate: '',
      human_open_rate_low: '',
      human_open_rate_high: '',
      human_click_rate: '',
      human_click_rate_low: '',
      human_click_rate_high: '',
      revenue_per_recipient_minor: '',
    });
  });

  it('a range with no data says so and exits 0', async () => {
    const result = await cli('--campaign', 'ab-cart', '--since', '2025-01-01', '--until', '2025-01-31');
    expect(result).toMatchObject({ code: 0, stdout: 'no data for 2025-01-01 to 2025-01-31\n', stderr: '' });
  });

  it('no data for this shop names the shop that has some (a demo database read with the default SHOP_ID)', async () => {
    const result = await cliOfShop('default', ...RANGE);
    expect(result).toMatchObject({
      code: 0,
      stdout: 'no data for 2026-11-01 to 2026-11-30\n',
      stderr: `cartflow: shop "default" has no data in this range; shop ${shopId} has (add --shop ${shopId})\n`,
    });
    const elsewhere = await cliOfShop('default', '--since', '2025-01-01', '--until', '2025-01-31');
    expect(elsewhere.stderr).toBe('');
  });

  it('bad input is a usage error (exit code 2) named on the first line, never a stack trace', async () => {
    const cases: Array<[string[], string]> = [
      [['--campaign', 'nope'], 'cartflow: unknown campaign "nope"; known campaigns: ab-cart'],
      [
        ['--since', '2026-11-30', '--until', '2026-11-01'],
        'cartflow: since (2026-11-30) is after until (2026-11-01): swap them',
      ],
      [
        ['--since', '2026-02-30'],
        'cartflow: since must be a calendar day as YYYY-MM-DD, such as 2026-11-01 (got "2026-02-30")',
      ],
      [
        ['--until', 'yesterday'],
        'cartflow: until must be a calendar day as YYYY-MM-DD, such as 2026-11-01 (got "yesterday")',
      ],
      [
        ['--format', 'xml'],
        "error: option '-f, --format <format>' argument 'xml' is invalid. Allowed choices are table, json, csv.",
      ],
      [['--variant', 'bold'], "error: unknown option '--variant'"],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(...args)));
    results.forEach((result, index) => {
      expect(result.code, cases[index]![0].join(' ')).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(cases[index]![1]);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stdout).toBe('');
    });
  });

  it('--help lists the options', async () => {
    const result = await cli('--help');
    expect(result.code).toBe(0);
    for (const option of ['--campaign', '--since', '--until', '--format']) expect(result.stdout).toContain(option);
  });
});

function converted(arm: 'holdout' | 'treated'): number {
  return entrants.filter((e) => e.arm === arm && e.converted).length;
}

/** RFC 4180, as a spreadsheet reads it: quoted cells may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted && char === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (!quoted && char === ',') {
      row.push(cell);
      cell = '';
    } else if (!quoted && char === '\r' && text[i + 1] === '\n') {
      rows.push([...row, cell]);
      row = [];
      cell = '';
      i++;
    } else {
      cell += char;
    }
  }
  expect([...row, cell], 'the last row ends with CRLF').toEqual(['']);
  return rows;
}
