import { mulberry32 } from './prng';
import { DEFAULT_CONFIDENCE, type Interval } from './types';

export const DEFAULT_RESAMPLES = 2_000;
export const DEFAULT_SEED = 1;

/**
 * Percentile bootstrap interval (Efron & Tibshirani 1993, ch. 13) for mean(treatment) −
 * mean(control): each arm resampled with replacement on its own, quantiles interpolated
 * linearly as numpy's default. A cross-check on Welch for skewed revenue; deterministic for a
 * given seed. Throws RangeError when an arm is empty, since nothing can be resampled.
 */
export function bootstrapMeanDifference(input: {
  control: number[];
  treatment: number[];
  resamples?: number;
  seed?: number;
  confidence?: number;
}): { difference: number; differenceInterval: Interval } {
  const {
    control,
    treatment,
    resamples = DEFAULT_RESAMPLES,
    seed = DEFAULT_SEED,
    confidence = DEFAULT_CONFIDENCE,
  } = input;
  if (control.length === 0 || treatment.length === 0) {
    throw new RangeError('bootstrapMeanDifference needs at least one value in each arm');
  }
  if (!(Number.isInteger(resamples) && resamples >= 1)) throw new RangeError('resamples must be a positive integer');
  const random = mulberry32(seed);
  const differences = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    differences[r] = resampledMean(treatment, random) - resampledMean(control, random);
  }
  differences.sort();
  const tail = (1 - confidence) / 2;
  return {
    difference: average(treatment) - average(control),
    differenceInterval: { low: quantile(differences, tail), high: quantile(differences, 1 - tail) },
  };
}

function average(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function resampledMean(values: readonly number[], random: () => number): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[Math.floor(random() * values.length)] ?? 0;
  return sum / values.length;
}

function quantile(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const a = sorted[below] ?? 0;
  const b = sorted[above] ?? 0;
  return a + (b - a) * (position - below);
}
