import { studentTTwoSidedP, twoSidedT } from './distributions';
import { DEFAULT_CONFIDENCE, type Interval, type MeanSummary } from './types';

/** Sum, sum of squares and count of raw values (a test and simulation convenience). */
export function summarize(values: readonly number[]): MeanSummary {
  let sum = 0;
  let sumSquares = 0;
  for (const v of values) {
    sum += v;
    sumSquares += v * v;
  }
  return { n: values.length, sum, sumSquares };
}

export function mean(s: MeanSummary): number {
  return s.n > 0 ? s.sum / s.n : 0;
}

/** Sample variance (n − 1 denominator); 0 below two values. Cancellation can push it below 0, so clamp. */
export function sampleVariance(s: MeanSummary): number {
  if (s.n < 2) return 0;
  return Math.max(0, (s.sumSquares - (s.sum * s.sum) / s.n) / (s.n - 1));
}

export interface MeanComparison {
  controlMean: number;
  treatmentMean: number;
  difference: number;
  differenceInterval: Interval | null;
  pValue: number | null;
  degreesOfFreedom: number | null;
}

/**
 * Welch's unequal-variance t-test on per-recipient values (scipy's ttest_ind(equal_var=False)).
 * Revenue per recipient is mostly zeros with a long tail, so the variances of the arms differ
 * and Student's pooled test would be wrong; the CLT carries the mean at email volumes.
 * Fewer than two values in an arm, or no variation at all, give nulls.
 */
export function compareMeans(input: {
  control: MeanSummary;
  treatment: MeanSummary;
  confidence?: number;
}): MeanComparison {
  const { control, treatment, confidence = DEFAULT_CONFIDENCE } = input;
  const controlMean = mean(control);
  const treatmentMean = mean(treatment);
  const difference = treatmentMean - controlMean;
  const none = {
    controlMean,
    treatmentMean,
    difference,
    differenceInterval: null,
    pValue: null,
    degreesOfFreedom: null,
  };
  if (control.n < 2 || treatment.n < 2) return none;
  const vc = sampleVariance(control) / control.n;
  const vt = sampleVariance(treatment) / treatment.n;
  const se2 = vc + vt;
  if (!(se2 > 0)) return none;
  const se = Math.sqrt(se2);
  // Welch–Satterthwaite
  const degreesOfFreedom = (se2 * se2) / ((vc * vc) / (control.n - 1) + (vt * vt) / (treatment.n - 1));
  const half = twoSidedT(confidence, degreesOfFreedom) * se;
  return {
    controlMean,
    treatmentMean,
    difference,
    differenceInterval: { low: difference - half, high: difference + half },
    pValue: studentTTwoSidedP(difference / se, degreesOfFreedom),
    degreesOfFreedom,
  };
}
