import { normalSurvival, twoSidedZ } from './distributions';
import { DEFAULT_CONFIDENCE, type Interval, type Proportion } from './types';

/**
 * Wilson score interval (Wilson 1927), the same as statsmodels' proportion_confint(method='wilson').
 * Zero trials give { rate: 0, low: 0, high: 1 }: nothing is known, and nothing is NaN.
 */
export function wilsonInterval(p: Proportion, confidence = DEFAULT_CONFIDENCE): { rate: number } & Interval {
  const { successes, trials } = p;
  if (trials <= 0) return { rate: 0, low: 0, high: 1 };
  const rate = successes / trials;
  const z = twoSidedZ(confidence);
  const z2n = (z * z) / trials;
  const center = (rate + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((rate * (1 - rate)) / trials + z2n / (4 * trials));
  // With no successes the lower bound is exactly 0 (and with all, the upper exactly 1); the
  // subtraction leaves residue such as 3.5e-18 instead, which reports then print.
  const low = successes <= 0 ? 0 : Math.max(0, center - half);
  const high = successes >= trials ? 1 : Math.min(1, center + half);
  return { rate, low, high };
}

export interface ProportionComparison {
  /** treatment rate − control rate */
  difference: number;
  /** Newcombe's hybrid score interval (Newcombe 1998, method 10), from the two Wilson intervals. */
  differenceInterval: Interval;
  /** treatment rate / control rate − 1; null when the control rate is 0. */
  relativeUplift: number | null;
  /** Katz log interval for the ratio, minus 1; null when either arm has no successes. */
  relativeUpliftInterval: Interval | null;
  /** Pooled two-proportion z; null when an arm is empty or nobody (or everybody) converted. */
  z: number | null;
  /** Two-sided p-value of the pooled z-test; null exactly when z is. */
  pValue: number | null;
}

/**
 * Treatment vs control on a proportion: the fixed-horizon figures a report shows beside the
 * always-valid interval. Not a stopping rule: consulted at every look, its p-value lies.
 */
export function compareProportions(input: {
  control: Proportion;
  treatment: Proportion;
  confidence?: number;
}): ProportionComparison {
  const { control, treatment, confidence = DEFAULT_CONFIDENCE } = input;
  const c = wilsonInterval(control, confidence);
  const t = wilsonInterval(treatment, confidence);
  const difference = t.rate - c.rate;
  const differenceInterval = {
    low: Math.max(-1, difference - Math.hypot(t.rate - t.low, c.high - c.rate)),
    high: Math.min(1, difference + Math.hypot(t.high - t.rate, c.rate - c.low)),
  };
  const relativeUplift = c.rate > 0 ? t.rate / c.rate - 1 : null;
  return {
    difference,
    differenceInterval,
    relativeUplift,
    relativeUpliftInterval: katz(input, confidence),
    ...pooledZ(input),
  };
}

function katz({ control, treatment }: { control: Proportion; treatment: Proportion }, confidence: number) {
  if (control.successes <= 0 || treatment.successes <= 0) return null;
  const logRatio = Math.log(treatment.successes / treatment.trials / (control.successes / control.trials));
  const se = Math.sqrt(1 / treatment.successes - 1 / treatment.trials + 1 / control.successes - 1 / control.trials);
  const z = twoSidedZ(confidence);
  return { low: Math.exp(logRatio - z * se) - 1, high: Math.exp(logRatio + z * se) - 1 };
}

function pooledZ({ control, treatment }: { control: Proportion; treatment: Proportion }) {
  if (control.trials <= 0 || treatment.trials <= 0) return { z: null, pValue: null };
  const pooled = (control.successes + treatment.successes) / (control.trials + treatment.trials);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / control.trials + 1 / treatment.trials));
  if (!(se > 0)) return { z: null, pValue: null };
  const z = (treatment.successes / treatment.trials - control.successes / control.trials) / se;
  return { z, pValue: Math.min(1, 2 * normalSurvival(Math.abs(z))) };
}
