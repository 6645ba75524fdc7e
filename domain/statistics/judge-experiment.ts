import { compareMeans, mean, sampleVariance } from './means';
import { compareProportions } from './proportions';
import { type Rate, reportedRate } from './rate';
import { sampleRatioMismatch } from './sample-ratio';
import { DEFAULT_ALPHA, DEFAULT_POWER, remainingSampleSize } from './sample-size';
import { DEFAULT_TUNING_SAMPLE_SIZE, sequentialInterval, sequentialSampleSize } from './sequential';
import type { Interval, MeanSummary } from './types';

/**
 * What a winner may be chosen on. Opens are deliberately absent: Apple Mail Privacy Protection
 * fetches every tracking pixel on delivery, so an "open" says more about the recipient's mail
 * client than about the email.
 */
export type Metric = 'human_clicks' | 'orders' | 'revenue';
export const METRICS: readonly Metric[] = ['human_clicks', 'orders', 'revenue'];

export interface ArmData {
  id: string;
  weight: number;
  entered: number;
  /** Recipients with at least one event of the metric (human click, order). */
  conversions: number;
  /** Per-recipient revenue in minor units, zeros included (n = entered). */
  revenue: MeanSummary;
}

export interface ArmResult {
  id: string;
  entered: number;
  /** Of the judged metric (clicks or orders per entrant); null fields when nobody entered the arm. */
  rate: Rate;
  /**
   * Revenue per entrant in minor units; null when nobody entered the arm, where 0 would read as
   * "this arm earned nothing".
   */
  revenuePerRecipient: number | null;
  /** Null for the control itself, and when this arm or the control is empty: nothing to compare. */
  vsControl: null | {
    difference: number;
    differenceInterval: Interval;
    relativeUplift: number | null;
    relativeUpliftInterval: Interval | null;
    pValue: number | null;
    /** Always-valid interval on the judged metric (a rate difference, or revenue per recipient for 'revenue'). */
    sequentialInterval: Interval | null;
    revenueDifference: number;
    revenueDifferenceInterval: Interval | null;
  };
}

export type Verdict =
  | { kind: 'winner'; arm: string; metric: Metric }
  | { kind: 'loser'; arm: string; metric: Metric }
  /** neededPerArm: recipients each arm still needs before the rule has 80 % power at the MDE. */
  | { kind: 'no_difference_yet'; neededPerArm: number | null }
  | { kind: 'sample_ratio_mismatch'; pValue: number }
  | { kind: 'not_enough_data' };

/**
 * Below this many recipients in an arm the normal approximation behind every interval here is
 * poor for rare events (a 5 % rate gives ~5 conversions), so no verdict is offered at all.
 */
export const MINIMUM_RECIPIENTS_PER_ARM = 100;
export const DEFAULT_MINIMUM_DETECTABLE_EFFECT = 0.1;

export interface JudgeExperimentInput {
  /** arms[0] is the control, or the holdout when judging uplift. */
  arms: ArmData[];
  metric: Metric;
  /** Relative effect worth detecting (0.1 = +10 %), for neededPerArm only. */
  minimumDetectableEffect?: number;
  /** Family-wise: split over the treatment-vs-control comparisons (Bonferroni). */
  alpha?: number;
  /** Total recipients (control + one treatment) the sequence is tuned for; fix it before launch. */
  tuningSampleSize?: number;
  /**
   * False when the weights are not the planned split (its campaign file is gone): a sample-ratio
   * check against made-up weights would call a 10 % holdout a broken 50:50 split. Default true.
   */
  plannedSplitKnown?: boolean;
}

/**
 * Judge an experiment. A sample-ratio mismatch overrides everything (the arms are not
 * comparable). Otherwise a treatment is the winner (or loser) only when the always-valid
 * interval of the chosen metric against the control excludes 0, so the verdict may be read at
 * every look; with several treatments alpha is split between them. Never judged on opens.
 */
export function judgeExperiment(input: JudgeExperimentInput): {
  arms: ArmResult[];
  srm: ReturnType<typeof sampleRatioMismatch> | null;
  verdict: Verdict;
} {
  const { arms, metric, alpha = DEFAULT_ALPHA, plannedSplitKnown = true } = input;
  if (!METRICS.includes(metric)) {
    throw new RangeError(`Cannot judge on '${String(metric)}': choose one of ${METRICS.join(', ')} (never opens)`);
  }
  const [control, ...treatments] = arms;
  if (control === undefined) return { arms: [], srm: null, verdict: { kind: 'not_enough_data' } };
  const familyAlpha = alpha / Math.max(1, treatments.length);
  const results = arms.map((arm, i) => armResult({ ...input, arm, control, isControl: i === 0, familyAlpha }));

  const total = arms.reduce((sum, arm) => sum + arm.entered, 0);
  const srm =
    plannedSplitKnown && arms.length >= 2 && total > 0
      ? sampleRatioMismatch({ observed: arms.map((a) => a.entered), weights: arms.map((a) => a.weight) })
      : null;
  return { arms: results, srm, verdict: decide({ ...input, results, srm, familyAlpha }) };
}

function metricSummary(arm: ArmData, metric: Metric): MeanSummary {
  if (metric === 'revenue') return arm.revenue;
  return { n: arm.entered, sum: arm.conversions, sumSquares: arm.conversions };
}

function armResult(
  input: JudgeExperimentInput & { arm: ArmData; control: ArmData; isControl: boolean; familyAlpha: number },
): ArmResult {
  const { arm, control, isControl, metric, familyAlpha, alpha = DEFAULT_ALPHA } = input;
  const confidence = 1 - alpha;
  const proportion = (a: ArmData) => ({ successes: a.conversions, trials: a.entered });
  const base = {
    id: arm.id,
    entered: arm.entered,
    rate: reportedRate(proportion(arm), confidence),
    revenuePerRecipient: arm.entered > 0 ? mean(arm.revenue) : null,
  };
  // A difference against an arm nobody entered would compare with a made-up 0 %.
  if (isControl || arm.entered <= 0 || control.entered <= 0) return { ...base, vsControl: null };
  const rates = compareProportions({ control: proportion(control), treatment: proportion(arm), confidence });
  const revenue = compareMeans({ control: control.revenue, treatment: arm.revenue, confidence });
  return {
    ...base,
    vsControl: {
      difference: rates.difference,
      differenceInterval: rates.differenceInterval,
      relativeUplift: rates.relativeUplift,
      relativeUpliftInterval: rates.relativeUpliftInterval,
      pValue: rates.pValue,
      sequentialInterval: sequentialInterval({
        control: metricSummary(control, metric),
        treatment: metricSummary(arm, metric),
        alpha: familyAlpha,
        tuningSampleSize: input.tuningSampleSize ?? DEFAULT_TUNING_SAMPLE_SIZE,
      }),
      revenueDifference: revenue.difference,
      revenueDifferenceInterval: revenue.differenceInterval,
    },
  };
}

function decide(
  input: JudgeExperimentInput & {
    results: ArmResult[];
    srm: ReturnType<typeof sampleRatioMismatch> | null;
    familyAlpha: number;
  },
): Verdict {
  const { arms, metric, results, srm } = input;
  if (srm?.mismatch) return { kind: 'sample_ratio_mismatch', pValue: srm.pValue };
  if (arms.length < 2 || arms.some((a) => a.entered < MINIMUM_RECIPIENTS_PER_ARM)) return { kind: 'not_enough_data' };
  const judged = results.flatMap((r) => {
    const interval = r.vsControl?.sequentialInterval;
    return interval ? [{ id: r.id, interval }] : [];
  });
  if (judged.length === 0) return { kind: 'not_enough_data' };
  const center = (i: Interval) => (i.low + i.high) / 2;
  const winners = judged.filter((j) => j.interval.low > 0).sort((a, b) => center(b.interval) - center(a.interval));
  if (winners[0]) return { kind: 'winner', arm: winners[0].id, metric };
  const losers = judged.filter((j) => j.interval.high < 0).sort((a, b) => center(a.interval) - center(b.interval));
  if (losers[0]) return { kind: 'loser', arm: losers[0].id, metric };
  return { kind: 'no_difference_yet', neededPerArm: neededPerArm(input) };
}

/** Planning figure for the rule actually used (the sequence), so it is larger than a fixed-horizon size. */
function neededPerArm(input: JudgeExperimentInput & { familyAlpha: number }): number | null {
  const { arms, metric, familyAlpha, minimumDetectableEffect = DEFAULT_MINIMUM_DETECTABLE_EFFECT } = input;
  const [control] = arms;
  if (control === undefined) return null;
  let varianceSum: number;
  let effect: number;
  if (metric === 'revenue') {
    varianceSum = 2 * sampleVariance(control.revenue);
    effect = mean(control.revenue) * minimumDetectableEffect;
  } else {
    const p1 = control.entered > 0 ? control.conversions / control.entered : 0;
    const p2 = p1 * (1 + minimumDetectableEffect);
    if (!(p1 > 0 && p2 < 1)) return null;
    varianceSum = p1 * (1 - p1) + p2 * (1 - p2);
    effect = p2 - p1;
  }
  const requiredPerArm = sequentialSampleSize({
    varianceSum,
    effect,
    alpha: familyAlpha,
    power: DEFAULT_POWER,
    tuningSampleSize: input.tuningSampleSize ?? DEFAULT_TUNING_SAMPLE_SIZE,
  });
  return remainingSampleSize({ requiredPerArm, perArm: arms.map((a) => a.entered) });
}
