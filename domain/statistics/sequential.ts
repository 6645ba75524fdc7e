// Always-valid inference for treatment − control: an asymptotic confidence sequence.
//
// Waudby-Smith, Arnold, Wu, Howard, Ramdas & Ramdas, "Time-uniform central limit theory and
// asymptotic confidence sequences", Annals of Statistics (2024), arXiv:2103.06476 (v7):
// eq. 9 (Theorem 2.2, the two-sided normal-mixture boundary) for the interval, eq. 161 for the
// choice of rho, eq. 155 for the matching always-valid p-value. The construction of the
// boundary is Howard, Ramdas, McAuliffe & Sekhon, "Time-uniform, nonparametric, nonasymptotic
// confidence sequences", Annals of Statistics 49(2), 2021. GrowthBook's frequentist engine
// ("sequential testing", gbstats SequentialTwoSidedTTest) computes the same quantities, with
// the same defaults (alpha 0.05, tuning N* = 5,000); our tests check against gbstats 0.8.0.
//
// Why: a fixed-horizon interval has 95 % coverage at one pre-planned look. An analyst who looks
// every day and stops at the first "significant" result is wrong far more often than 5 %
// (the A/A simulation in test/unit/statistics-sequential.test.ts measures how much). A
// confidence sequence covers the true difference at every n simultaneously with probability
// ≥ 1 − alpha (asymptotically), so stopping whenever it excludes 0 keeps the error at alpha.
import { normalQuantile } from './distributions';
import { mean, sampleVariance } from './means';
import { DEFAULT_ALPHA, DEFAULT_POWER } from './sample-size';
import type { Interval, MeanSummary } from './types';

/** GrowthBook's default: the total sample (both arms) at which the interval is tightest. */
export const DEFAULT_TUNING_SAMPLE_SIZE = 5_000;

/**
 * The mixing parameter rho that makes the sequence tightest at n = tuningSampleSize
 * (paper eq. 161): rho² = (−2 ln α + ln(1 − 2 ln α)) / N*. A smaller N* gives narrower
 * intervals early and wider ones late; the guarantee holds for any fixed N*, as long as it is
 * chosen before looking at the data.
 */
export function sequentialRho(alpha: number, tuningSampleSize: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1, got ${alpha}`);
  if (!(tuningSampleSize > 0)) throw new RangeError(`tuningSampleSize must be positive, got ${tuningSampleSize}`);
  const minus2LogAlpha = -2 * Math.log(alpha);
  return Math.sqrt((minus2LogAlpha + Math.log(minus2LogAlpha + 1)) / tuningSampleSize);
}

/**
 * sigma · sqrt( 2 (n rho² + 1) / (n² rho²) · ln( sqrt(n rho² + 1) / alpha ) ) — paper eq. 9,
 * where sigma² is the per-observation variance and n the number of observations.
 */
export function confidenceSequenceHalfWidth(input: {
  variance: number;
  n: number;
  rho: number;
  alpha: number;
}): number {
  const { variance, n, rho, alpha } = input;
  const rho2 = rho * rho;
  const nRho2 = n * rho2;
  return Math.sqrt(variance * ((2 * (nRho2 + 1)) / (n * n * rho2)) * Math.log(Math.sqrt(nRho2 + 1) / alpha));
}

interface SequentialInput {
  control: MeanSummary;
  treatment: MeanSummary;
  alpha?: number;
  tuningSampleSize?: number;
}

/** The difference, its squared standard error and n = n_T + n_C, or null when undefined. */
function differenceMoments({ control, treatment }: SequentialInput) {
  if (control.n < 2 || treatment.n < 2) return null;
  const se2 = sampleVariance(control) / control.n + sampleVariance(treatment) / treatment.n;
  if (!(se2 > 0)) return null;
  return { difference: mean(treatment) - mean(control), se2, n: control.n + treatment.n };
}

/**
 * Always-valid (time-uniform) interval for mean(treatment) − mean(control): valid at every
 * look, however many. As in gbstats, the two-sample problem is mapped onto the paper's
 * one-sample one by treating SE² · (n_T + n_C) as the per-observation variance.
 * Null when an arm has fewer than two recipients or neither arm varies (e.g. no conversions).
 */
export function sequentialInterval(input: SequentialInput): Interval | null {
  const { alpha = DEFAULT_ALPHA, tuningSampleSize = DEFAULT_TUNING_SAMPLE_SIZE } = input;
  const m = differenceMoments(input);
  if (m === null) return null;
  const rho = sequentialRho(alpha, tuningSampleSize);
  const half = confidenceSequenceHalfWidth({ variance: m.se2 * m.n, n: m.n, rho, alpha });
  return { low: m.difference - half, high: m.difference + half };
}

/**
 * Always-valid p-value (paper eq. 155): the smallest alpha whose sequence excludes 0, so
 * p < alpha exactly when sequentialInterval(alpha) excludes 0. Null as for the interval.
 */
export function sequentialPValue(input: SequentialInput): number | null {
  const { alpha = DEFAULT_ALPHA, tuningSampleSize = DEFAULT_TUNING_SAMPLE_SIZE } = input;
  const m = differenceMoments(input);
  if (m === null) return null;
  const rho2 = sequentialRho(alpha, tuningSampleSize) ** 2;
  const st2 = (m.difference * m.difference * m.n) / m.se2;
  const nRho2Plus1 = m.n * rho2 + 1;
  const logE = (rho2 * st2) / (2 * nRho2Plus1) - 0.5 * Math.log(nRho2Plus1);
  return Math.min(1, Math.exp(-logE));
}

/**
 * Recipients per arm at which the sequence, not a fixed-horizon test, reaches `power` against
 * an absolute `effect`: the smallest n with halfWidth(2n) + z_power · SE(n) ≤ effect, for equal
 * arms whose per-recipient variances add up to `varianceSum`. Larger than the fixed-horizon
 * size: the price of being allowed to look at every step. Null when out of reach (n > 1e12).
 */
export function sequentialSampleSize(input: {
  varianceSum: number;
  effect: number;
  alpha?: number;
  power?: number;
  tuningSampleSize?: number;
}): number | null {
  const { varianceSum, effect, alpha = DEFAULT_ALPHA, power = DEFAULT_POWER } = input;
  const { tuningSampleSize = DEFAULT_TUNING_SAMPLE_SIZE } = input;
  if (!(varianceSum > 0) || !(Math.abs(effect) > 0)) return null;
  const rho = sequentialRho(alpha, tuningSampleSize);
  const zPower = normalQuantile(power);
  const detects = (perArm: number) =>
    confidenceSequenceHalfWidth({ variance: 2 * varianceSum, n: 2 * perArm, rho, alpha }) +
      zPower * Math.sqrt(varianceSum / perArm) <=
    Math.abs(effect);
  let high = 2;
  while (!detects(high)) {
    high *= 2;
    if (high > 1e12) return null;
  }
  let low = high / 2;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (detects(middle)) high = middle;
    else low = middle;
  }
  return high;
}
