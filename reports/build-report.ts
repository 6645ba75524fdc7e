import type { ArmRow, DailyRow, StepFunnelRow } from '../db/analytics-store';
import type { Campaign } from '../domain/campaign';
import {
  type ArmData,
  type ArmResult,
  type Interval,
  type Metric,
  type Rate,
  type Verdict,
  judgeExperiment,
  reportedRate,
  roundRate,
  sampleRatioMismatch,
} from '../domain/statistics';

/**
 * The campaign report: funnel per step and variant, daily series, and every experiment (holdout
 * and step variants) judged by domain/statistics. Pure: the rows come from db/analytics-store.ts,
 * the campaign definitions from the campaign files. The CLI, the JSON API and the dashboard all
 * show this one object, so their numbers never disagree.
 */

export interface ReportRange {
  since: string;
  until: string;
}

export type { Rate };

export interface FunnelLine extends StepFunnelRow {
  /**
   * Over the emails that may have reached the customer (delivered, and unconfirmed ones that did not
   * bounce), as an unconfirmed email's opens, clicks and orders count too; Wilson 95 % intervals.
   * Null fields when no email may have reached anybody (a holdout's row, a step that only skipped).
   */
  humanOpenRate: Rate;
  humanClickRate: Rate;
  orderRate: Rate;
  unsubscribeRate: Rate;
  /**
   * Attributed revenue per sent or unconfirmed email, in minor units of `currency`; null when no
   * email went out (a holdout's row), as 0 would claim the emails earned nothing.
   */
  revenuePerRecipientMinor: number | null;
}

export interface ExperimentArm extends ArmResult {
  weight: number;
  conversions: number;
  orders: number;
  revenueMinor: number;
  recoveredCarts: number;
  humanClicked: number;
}

export interface ExperimentReport {
  campaignVersion: number;
  /** `holdout`, or the id of the step whose variants are compared. */
  experiment: string;
  kind: 'holdout' | 'variants';
  currency: string;
  metric: Metric;
  /** arms[0] is the baseline: the holdout, or the step's first variant (the control). */
  arms: ExperimentArm[];
  /**
   * Whether the planned split came from the campaign file. Without it the weights are 1 each, only
   * to have a number, and the sample ratio is not checked (`srm` is null).
   */
  weightsKnown: boolean;
  /** Arms with entrants that the campaign file does not plan (renamed or removed variants): not judged. */
  unplannedArms: string[];
  srm: ReturnType<typeof sampleRatioMismatch> | null;
  verdict: Verdict;
}

export interface CampaignSection {
  campaignId: string;
  name: string | null;
  funnel: FunnelLine[];
  daily: DailyRow[];
  experiments: ExperimentReport[];
}

export interface CampaignReport {
  range: ReportRange;
  campaigns: CampaignSection[];
}

export interface BuildReportInput {
  range: ReportRange;
  funnel: StepFunnelRow[];
  daily: DailyRow[];
  arms: ArmRow[];
  /** Every version of every campaign file, to know the planned split and the judged metric. */
  campaigns: readonly Campaign[];
}

export function buildReport(input: BuildReportInput): CampaignReport {
  const ids = [...new Set([...input.funnel, ...input.daily, ...input.arms].map((row) => row.campaignId))].sort();
  return {
    range: input.range,
    campaigns: ids.map((campaignId) => ({
      campaignId,
      name: newest(input.campaigns, campaignId)?.name ?? null,
      funnel: inStepOrder(
        input.funnel.filter((row) => row.campaignId === campaignId),
        input.campaigns,
      ).map(funnelLine),
      daily: input.daily.filter((row) => row.campaignId === campaignId),
      experiments: experimentsOf(
        input.arms.filter((row) => row.campaignId === campaignId),
        input.campaigns,
      ),
    })),
  };
}

function funnelLine(row: StepFunnelRow): FunnelLine {
  const trials = row.delivered + row.unconfirmed - row.unconfirmedBounced;
  const recipients = row.sent + row.unconfirmed;
  const of = (successes: number) => reportedRate({ successes, trials });
  return {
    ...row,
    humanOpenRate: of(row.uniqueHumanOpens),
    humanClickRate: of(row.uniqueHumanClicks),
    orderRate: of(row.attributedOrders),
    unsubscribeRate: of(row.unsubscribed),
    revenuePerRecipientMinor: recipients > 0 ? row.attributedRevenueMinor / recipients : null,
  };
}

/**
 * A funnel reads top to bottom in the campaign file's step order. The rows come ordered by first
 * day and then by name, which puts `incentive` before `reminder` when both ran on the same day.
 * Steps the file does not know keep their place after the known ones.
 */
function inStepOrder(rows: StepFunnelRow[], campaigns: readonly Campaign[]): StepFunnelRow[] {
  const position = (row: StepFunnelRow) => {
    const campaign = campaigns.find((c) => c.id === row.campaignId && c.version === row.campaignVersion);
    const index = campaign ? campaign.steps.findIndex((step) => step.id === row.step) : -1;
    return index === -1 ? Number.MAX_SAFE_INTEGER : index;
  };
  return rows
    .map((row, order) => ({ row, order, position: position(row) }))
    .sort((a, b) => a.row.campaignVersion - b.row.campaignVersion || a.position - b.position || a.order - b.order)
    .map(({ row }) => row);
}

function newest(campaigns: readonly Campaign[], id: string): Campaign | undefined {
  return campaigns.filter((campaign) => campaign.id === id).sort((a, b) => b.version - a.version)[0];
}

function experimentsOf(rows: ArmRow[], campaigns: readonly Campaign[]): ExperimentReport[] {
  const groups = new Map<string, ArmRow[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.campaignVersion, row.experiment, row.currency]);
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as ArmRow;
    const campaign = campaigns.find((c) => c.id === first.campaignId && c.version === first.campaignVersion);
    return judge(group, campaign);
  });
}

/** The arms the campaign file planned, baseline first, with their weights. */
function plannedArms(experiment: string, campaign: Campaign | undefined): Array<{ id: string; weight: number }> | null {
  if (!campaign) return null;
  if (experiment === 'holdout') {
    const holdout = campaign.experiment?.holdout ?? 0;
    return holdout > 0
      ? [
          { id: 'holdout', weight: holdout },
          { id: 'treated', weight: 100 - holdout },
        ]
      : null;
  }
  const variants = campaign.steps.find((step) => step.id === experiment)?.variants;
  return variants ? variants.map(({ id, weight }) => ({ id, weight })) : null;
}

function judge(rows: ArmRow[], campaign: Campaign | undefined): ExperimentReport {
  const first = rows[0] as ArmRow;
  const kind = first.experiment === 'holdout' ? 'holdout' : 'variants';
  const metric: Metric = campaign?.experiment?.metric ?? 'orders';
  const planned = plannedArms(first.experiment, campaign);
  const ids = planned ? planned.map((arm) => arm.id) : rows.map((row) => row.arm).sort(baselineFirst(kind));
  // Arms the campaign file no longer plans cannot be judged against a planned split: listed apart.
  const unplannedArms = rows.map((row) => row.arm).filter((arm) => !ids.includes(arm));
  const weightOf = (id: string) => (planned ? (planned.find((arm) => arm.id === id)?.weight ?? 1) : 1);
  const data = ids.map((id) => {
    const row = rows.find((candidate) => candidate.arm === id);
    return { id, weight: weightOf(id), row };
  });
  const armData: ArmData[] = data.map(({ id, weight, row }) => ({
    id,
    weight,
    entered: row?.entered ?? 0,
    conversions: (metric === 'human_clicks' ? row?.humanClicked : row?.converted) ?? 0,
    revenue: { n: row?.entered ?? 0, sum: row?.revenueMinor ?? 0, sumSquares: row?.revenueSquaresMinor ?? 0 },
  }));
  const judged =
    armData.length >= 2
      ? judgeExperiment({
          arms: armData,
          metric,
          minimumDetectableEffect: (campaign?.experiment?.minimumDetectableEffect ?? 10) / 100,
          plannedSplitKnown: planned !== null,
        })
      : loneArm(armData);
  return {
    campaignVersion: first.campaignVersion,
    experiment: first.experiment,
    kind,
    currency: first.currency,
    metric,
    weightsKnown: planned !== null,
    unplannedArms,
    srm: judged.srm,
    verdict: judged.verdict,
    arms: judged.arms.map((arm, index) => {
      const row = data[index]?.row;
      return {
        ...arm,
        vsControl: arm.vsControl && roundedFractions(arm.vsControl, metric),
        weight: data[index]?.weight ?? 0,
        conversions: armData[index]?.conversions ?? 0,
        orders: row?.orders ?? 0,
        revenueMinor: row?.revenueMinor ?? 0,
        recoveredCarts: row?.recoveredCarts ?? 0,
        humanClicked: row?.humanClicked ?? 0,
      };
    }),
  };
}

/**
 * The comparison's fractions rounded as rates are (6 decimals), once the verdict is decided on the
 * unrounded figures: a difference of 0.013382, not 0.013381995796322834. The p-value keeps its
 * precision (a tiny one must not become 0), and so do revenue figures in minor units.
 */
function roundedFractions(versus: NonNullable<ArmResult['vsControl']>, metric: Metric): ArmResult['vsControl'] {
  const interval = (value: Interval | null) => value && { low: roundRate(value.low), high: roundRate(value.high) };
  return {
    ...versus,
    difference: roundRate(versus.difference),
    differenceInterval: {
      low: roundRate(versus.differenceInterval.low),
      high: roundRate(versus.differenceInterval.high),
    },
    relativeUplift: versus.relativeUplift === null ? null : roundRate(versus.relativeUplift),
    relativeUpliftInterval: interval(versus.relativeUpliftInterval),
    sequentialInterval: metric === 'revenue' ? versus.sequentialInterval : rateDifference(versus.sequentialInterval),
  };
}

/**
 * A difference of two rates lies in [−1, 1]; the confidence sequence, wide on small arms, can reach
 * past it (−148 to +159 points at 17 and 23 entrants). Cutting it there keeps its coverage, and the
 * verdict was decided before, on whether it holds 0, which the cut cannot change.
 */
function rateDifference(interval: Interval | null): Interval | null {
  return interval && { low: roundRate(Math.max(-1, interval.low)), high: roundRate(Math.min(1, interval.high)) };
}

/** One arm so far (a campaign file that changed, or no file): its rate, nothing to compare. */
function loneArm(arms: ArmData[]): ReturnType<typeof judgeExperiment> {
  return {
    srm: null,
    verdict: { kind: 'not_enough_data' },
    arms: arms.map((arm) => ({
      id: arm.id,
      entered: arm.entered,
      rate: reportedRate({ successes: arm.conversions, trials: arm.entered }),
      revenuePerRecipient: arm.entered > 0 ? arm.revenue.sum / arm.entered : null,
      vsControl: null,
    })),
  };
}

/** Without a campaign file: the holdout first, else alphabetical (the file's first variant is unknown). */
function baselineFirst(kind: 'holdout' | 'variants') {
  return (a: string, b: string) => {
    if (kind === 'holdout') return a === 'holdout' ? -1 : b === 'holdout' ? 1 : 0;
    return a.localeCompare(b);
  };
}
