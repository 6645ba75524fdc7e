import { describe, expect, it } from 'vitest';
import type { ArmRow, StepFunnelRow } from '../../db/analytics-store';
import { Campaign } from '../../domain/campaign';
import { type CampaignReport, type ExperimentReport, buildReport } from '../../reports/build-report';
import { REPORT_CSV_HEADER, csvCell, reportCsv } from '../../reports/report-csv';
import { reportTable } from '../../reports/report-table';
import { money, verdictWords } from '../../reports/report-words';

// The report's text and CSV for the cases that tempt NaN: nobody entered, nothing delivered.
const range = { since: '2026-11-01', until: '2026-11-30' };
const campaign = Campaign.parse({
  id: 'b2c-cart',
  version: 2,
  name: 'Abandoned cart',
  priority: 100,
  trigger: 'cart.abandoned',
  audience: 'everyone',
  steps: [
    {
      id: 'reminder',
      delay: '1h',
      template: 'cart-reminder',
      variants: [{ id: 'control' }, { id: 'bold', subjectLine: 2 }],
    },
  ],
  experiment: { holdout: 10 },
});

const zeroFunnel: StepFunnelRow = {
  campaignId: 'b2c-cart',
  campaignVersion: 2,
  step: 'reminder',
  variant: 'holdout',
  currency: 'EUR',
  ...Object.fromEntries(
    [
      'reached',
      'sent',
      'skipped',
      'failed',
      'delivered',
      'bounced',
      'complained',
      'unsubscribed',
      'uniqueHumanOpens',
      'machineOpens',
      'uniqueHumanClicks',
      'machineClicks',
      'attributedOrders',
      'attributedRevenueMinor',
      'recoveredCarts',
      'unconfirmed',
      'unconfirmedBounced',
    ].map((name) => [name, 0]),
  ),
} as StepFunnelRow;

/** An arm row as the rollup holds it after its chains were erased: a row, every counter 0. */
function emptyArm(experiment: string, arm: string): ArmRow {
  return {
    campaignId: 'b2c-cart',
    campaignVersion: 2,
    experiment,
    arm,
    currency: 'EUR',
    entered: 0,
    converted: 0,
    orders: 0,
    revenueMinor: 0,
    revenueSquaresMinor: 0,
    recoveredCarts: 0,
    humanClicked: 0,
    humanOpened: 0,
  };
}

const zeroReport = buildReport({
  range,
  funnel: [{ ...zeroFunnel, reached: 3, skipped: 3 }],
  daily: [],
  arms: [emptyArm('holdout', 'treated'), emptyArm('reminder', 'bold')],
  campaigns: [campaign],
});

describe('the report table', () => {
  it('prints a rate over no emails or no entrants as "–", never 0 % [0, 100], NaN, Infinity or undefined', () => {
    const text = reportTable(zeroReport);
    expect(text).not.toMatch(/NaN|Infinity|undefined|null|100\.0\]/);
    expect(text).toMatch(/v2\s+reminder\s+holdout\s+EUR\s+3\s+0\s+0\s+0\s+0\s+–\s+0\s+€0\.00\s+0\s+0\s+0/);
    // Revenue per recipient of an arm nobody entered is "–" too: €0.00 would say it earned nothing.
    expect(text).toMatch(/holdout\s+10 %\s+0\s+–\s+–\s+0\s+0/);
    expect(text).toMatch(/treated\s+90 %\s+0\s+–\s+–\s+0\s+0/);
    expect(text).toContain('treated vs holdout: nothing to compare');
    expect(text).toContain('verdict: not enough data (fewer than 100 per arm)');
    expect(text).toContain('sample ratio: not checked');
  });

  it("names each funnel line's currency, so the lines of one step and variant in two currencies are told apart", () => {
    const report = buildReport({
      range,
      funnel: [
        { ...zeroFunnel, reached: 3, skipped: 3 },
        { ...zeroFunnel, currency: 'JPY', reached: 2, skipped: 2 },
      ],
      daily: [],
      arms: [],
      campaigns: [campaign],
    });
    const lines = reportTable(report).split('\n');
    const header = lines.find((line) => line.includes('VERSION'));
    expect(header).toMatch(/VARIANT\s+CURRENCY\s+REACHED/);
    expect(lines.filter((line) => /v2\s+reminder\s+holdout\s+EUR\s+3\s/.test(line))).toHaveLength(1);
    expect(lines.filter((line) => /v2\s+reminder\s+holdout\s+JPY\s+2\s/.test(line))).toHaveLength(1);
  });

  it('says "no data" for a range without any', () => {
    expect(reportTable({ range, campaigns: [] })).toBe('no data for 2026-11-01 to 2026-11-30\n');
  });
});

describe('unconfirmed emails in the report', () => {
  // 10 reached: 8 sent (1 bounced), 2 unconfirmed (an attempt died mid-send, the retry found an order).
  const report = buildReport({
    range,
    funnel: [
      {
        ...zeroFunnel,
        variant: 'control',
        reached: 10,
        sent: 8,
        unconfirmed: 2,
        delivered: 7,
        bounced: 1,
        uniqueHumanClicks: 3,
        attributedOrders: 1,
        attributedRevenueMinor: 5_000,
      },
    ],
    daily: [],
    arms: [],
    campaigns: [campaign],
  });
  const line = report.campaigns[0]!.funnel[0]!;

  it('counts them on their own, never as skipped or sent, with rates over every email that may have arrived', () => {
    expect(line.humanClickRate.rate).toBeCloseTo(3 / 9);
    expect(line.revenuePerRecipientMinor).toBe(500);
    expect(reportTable(report)).toMatch(/v2\s+reminder\s+control\s+EUR\s+10\s+8\s+2\s+7\s/);
    const [, row] = reportCsv(report).split('\r\n');
    const value = (name: string) => row!.split(',')[REPORT_CSV_HEADER.indexOf(name)];
    expect([value('sent'), value('unconfirmed'), value('skipped'), value('delivered')]).toEqual(['8', '2', '0', '7']);
  });
});

describe('the report CSV', () => {
  it('leaves the rates and revenue per recipient of a row with nothing sent empty, and every other cell filled', () => {
    const [header, row, end] = reportCsv(zeroReport).split('\r\n');
    expect(header).toBe(REPORT_CSV_HEADER.join(','));
    expect(end).toBe('');
    const cells = row!.split(',');
    expect(cells).toHaveLength(REPORT_CSV_HEADER.length);
    const rateColumns = ['human_open_rate', 'human_click_rate', 'order_rate', 'unsubscribe_rate'].flatMap((rate) => [
      rate,
      `${rate}_low`,
      `${rate}_high`,
    ]);
    const empty = REPORT_CSV_HEADER.filter((_, column) => cells[column] === '');
    expect(empty).toEqual([...rateColumns, 'revenue_per_recipient_minor']);
    expect(cells.filter((cell) => /NaN|Infinity/.test(cell))).toEqual([]);
    expect(cells[REPORT_CSV_HEADER.indexOf('attributed_revenue')]).toBe('0.00');
  });

  // The QA case: 64 delivered, nobody opened. The Wilson formula's subtraction left 2^-58.
  it('prints 0, not 3.469446951953614e-18, for the lower bound of a rate with no successes', () => {
    const report = buildReport({
      range,
      funnel: [{ ...zeroFunnel, variant: 'control', reached: 64, sent: 64, delivered: 64, uniqueHumanClicks: 64 }],
      daily: [],
      arms: [],
      campaigns: [campaign],
    });
    const [, row] = reportCsv(report).split('\r\n');
    const value = (name: string) => row!.split(',')[REPORT_CSV_HEADER.indexOf(name)];
    expect(value('human_open_rate')).toBe('0');
    expect(value('human_open_rate_low')).toBe('0');
    expect(value('human_open_rate_high')).toBe('0.056624'); // z²/(n + z²);
    expect(value('human_click_rate_high')).toBe('1');
    expect(value('human_click_rate_low')).toBe('0.943376');
    expect(row).not.toMatch(/e-|\d{7}/);
    expect(JSON.stringify(report)).not.toMatch(/e-\d|\.\d{7}/);
  });

  it('rounds the comparison’s fractions too, and keeps the p-value’s precision', () => {
    const arm = (name: string, entered: number, converted: number): ArmRow => ({
      ...emptyArm('holdout', name),
      entered,
      converted,
      orders: converted,
      revenueMinor: converted * 3980,
      revenueSquaresMinor: converted * 3980 * 3980,
    });
    const report = buildReport({
      range,
      funnel: [],
      daily: [],
      arms: [arm('holdout', 159, 52), arm('treated', 141, 48)],
      campaigns: [campaign],
    });
    const versus = report.campaigns[0]!.experiments[0]!.arms[1]!.vsControl!;
    const fractions = [
      versus.difference,
      versus.differenceInterval.low,
      versus.differenceInterval.high,
      versus.relativeUplift,
      versus.relativeUpliftInterval?.low,
      versus.relativeUpliftInterval?.high,
      versus.sequentialInterval?.low,
      versus.sequentialInterval?.high,
    ];
    for (const value of fractions) expect(String(value)).toMatch(/^-?\d\.\d{1,6}$/);
    expect(versus.relativeUplift).toBe(0.040917); // 48/141 ÷ 52/159 − 1 = 0.0409165…
    expect(versus.pValue).toBeCloseTo(0.8061536377777496, 15);
  });

  it('never shows an always-valid interval of a difference of rates beyond ±100 points', () => {
    // 5 of 17 against 8 of 23: the confidence sequence is wider than [−1, 1] (−1.48 to 1.59) at
    // this size, but no difference of two rates lies outside it.
    const arm = (name: string, entered: number, converted: number): ArmRow => ({
      ...emptyArm('reminder', name),
      entered,
      converted,
      orders: converted,
    });
    const report = buildReport({
      range,
      funnel: [],
      daily: [],
      arms: [arm('control', 17, 5), arm('bold', 23, 8)],
      campaigns: [campaign],
    });
    const experiment = report.campaigns[0]!.experiments.find((candidate) => candidate.experiment === 'reminder')!;
    expect(experiment.arms[1]!.vsControl!.sequentialInterval).toEqual({ low: -1, high: 1 });
    expect(reportTable(report)).toContain('always-valid (orders): +5.4 pp [-100.0, 100.0]');
    expect(experiment.verdict.kind).toBe('not_enough_data');
  });

  it('checks no sample ratio against a guessed split when no campaign file says what was planned', () => {
    // A 10 % holdout of version 2, whose file was deleted (or changed without a new version): 1:1
    // would call 120 against 1,080 a broken split and hide the comparison behind "do not trust".
    const arm = (name: string, entered: number, converted: number): ArmRow => ({
      ...emptyArm('holdout', name),
      entered,
      converted,
      orders: converted,
    });
    const report = buildReport({
      range,
      funnel: [],
      daily: [],
      arms: [arm('holdout', 120, 12), arm('treated', 1_080, 140)],
      campaigns: [{ ...campaign, experiment: { ...campaign.experiment, holdout: 0 } }],
    });
    const experiment = report.campaigns[0]!.experiments[0]!;
    expect(experiment.weightsKnown).toBe(false);
    expect(experiment.srm).toBeNull();
    expect(experiment.verdict.kind).toBe('no_difference_yet');
    const text = reportTable(report);
    expect(text).toContain('planned split unknown: no campaign file of v2 plans this experiment');
    expect(text).toContain('sample ratio: not checked (the planned split is unknown)');
    expect(text).not.toMatch(/mismatch|assumed|planned 1:1/);
    expect(verdictWords(experiment)).toMatch(/^no difference yet: about [\d,]+ more per arm needed$/);
  });

  it('does not say an arm has no orders, or that nobody ordered, when everybody did', () => {
    const arm = (name: string, entered: number, converted: number): ArmRow => ({
      ...emptyArm('reminder', name),
      entered,
      converted,
      orders: converted,
    });
    const judged = (control: number, bold: number) =>
      buildReport({
        range,
        funnel: [],
        daily: [],
        arms: [arm('control', 200, control), arm('bold', 200, bold)],
        campaigns: [campaign],
      }).campaigns[0]!.experiments.find((candidate) => candidate.experiment === 'reminder')!;
    // 100 % in the control: a +10 % lift is out of reach, so the test cannot be sized; the words said "no orders yet".
    const nearlyAll = judged(200, 190);
    expect(nearlyAll.verdict).toEqual({ kind: 'no_difference_yet', neededPerArm: null });
    expect(verdictWords(nearlyAll)).toBe(
      "no difference yet: the control arm's rate (100.0 %) leaves no room for the planned lift to size the test from",
    );
    const everybody = judged(200, 200);
    expect(everybody.verdict).toEqual({ kind: 'not_enough_data' });
    expect(verdictWords(everybody)).toBe(
      'not enough data (in each arm every entrant had the same outcome: no variation to compare)',
    );
    expect(verdictWords(judged(0, 0))).toBe('not enough data (no orders in any arm yet to compare)');
    expect(verdictWords(judged(0, 12))).toBe(
      'no difference yet: the control arm has no orders yet to size the test from',
    );
    // Judged on revenue, orders in another currency convert without revenue: the control has none to size from.
    const revenue = {
      ...judged(200, 190),
      metric: 'revenue' as const,
      verdict: { kind: 'no_difference_yet' as const, neededPerArm: null },
    };
    expect(verdictWords(revenue)).toBe(
      'no difference yet: the control arm has no revenue per recipient yet to size the test from',
    );
  });

  it('exports a rate or revenue per recipient over no emails as null in JSON', () => {
    const line = JSON.parse(JSON.stringify(zeroReport.campaigns[0]!.funnel[0]!));
    expect(line.humanOpenRate).toEqual({ rate: null, low: null, high: null });
    expect(line.revenuePerRecipientMinor).toBeNull();
    const holdout = zeroReport.campaigns[0]!.experiments.find((experiment) => experiment.kind === 'holdout')!;
    expect(holdout.arms.map((arm) => arm.rate.rate)).toEqual([null, null]);
    expect(holdout.arms.map((arm) => arm.revenuePerRecipient)).toEqual([null, null]);
    expect(holdout.arms.map((arm) => arm.vsControl)).toEqual([null, null]);
  });

  it('quotes cells as RFC 4180 says', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvCell(Number.NaN)).toBe('');
  });

  it('is the header alone for a range without data', () => {
    expect(reportCsv({ range, campaigns: [] } satisfies CampaignReport)).toBe(`${REPORT_CSV_HEADER.join(',')}\r\n`);
  });
});

describe('verdicts in words', () => {
  const experiment = (overrides: Partial<ExperimentReport>): ExperimentReport => ({
    ...(zeroReport.campaigns[0]?.experiments[0] as ExperimentReport),
    ...overrides,
  });

  it('a mismatch says not to trust the experiment, with its p-value', () => {
    expect(verdictWords(experiment({ verdict: { kind: 'sample_ratio_mismatch', pValue: 4.5e-5 } }))).toMatch(
      /^do not trust this experiment: sample-ratio mismatch p=4\.5e-5 /,
    );
  });

  it('no difference yet says how many more per arm, or why it cannot', () => {
    expect(verdictWords(experiment({ verdict: { kind: 'no_difference_yet', neededPerArm: 12677 } }))).toBe(
      'no difference yet: about 12,677 more per arm needed',
    );
    expect(verdictWords(experiment({ verdict: { kind: 'no_difference_yet', neededPerArm: null } }))).toBe(
      'no difference yet: the holdout arm has no orders yet to size the test from',
    );
  });

  it('a revenue winner is told in money', () => {
    const base = experiment({});
    const [holdout, treated] = base.arms;
    const vsControl = {
      difference: 0.01,
      differenceInterval: { low: 0, high: 0.02 },
      relativeUplift: null,
      relativeUpliftInterval: null,
      pValue: null,
      sequentialInterval: { low: 40, high: 200 },
      revenueDifference: 120,
      revenueDifferenceInterval: null,
    };
    const words = verdictWords({
      ...base,
      metric: 'revenue',
      arms: [holdout!, { ...treated!, vsControl }],
      verdict: { kind: 'winner', arm: 'treated', metric: 'revenue' },
    });
    expect(words).toBe(
      'treated beats holdout on revenue per recipient: +€1.20 [+€0.40, +€2.00], sequential test, valid at every look',
    );
  });

  it('money keeps each currency’s minor unit, and shows rows without a currency as a plain amount', () => {
    expect(money(150_000, 'JPY')).toBe('¥150,000');
    expect(money(1235, 'KWD')).toMatch(/^KWD\s1\.235$/); // Intl puts a no-break space there
    expect(money(1990, '')).toBe('19.90');
  });
});
