import { wilsonInterval } from './proportions';
import { DEFAULT_CONFIDENCE, type Proportion } from './types';

/**
 * A rate as reports show and export it: a fraction with its Wilson interval, or nothing at all
 * when its denominator is 0 (a rate over no emails is not 0 %, and [0, 1] is not an interval
 * anybody measured). Consumers read `rate === null` as "–" or an empty cell.
 */
export type Rate = { rate: number; low: number; high: number } | { rate: null; low: null; high: null };

export const NO_RATE: Rate = { rate: null, low: null, high: null };

/**
 * Decimals kept in a reported rate: 0.0001 percentage point, far below the width of any interval
 * the report can hold (about 0.001 at a million emails), and the same as the analytics views
 * (docs/analytics.md). It also drops the floating-point residue of the interval formula, such as
 * 3.5e-18 for a lower bound that is 0.
 */
export const RATE_DECIMALS = 6;

/** Rounds a fraction to RATE_DECIMALS; exact for decimals, so 0.1234565 prints as 0.123457. */
export function roundRate(value: number): number {
  const scale = 10 ** RATE_DECIMALS;
  // `+ 0` turns -0 into 0 so no "-0" reaches a spreadsheet.
  return Math.round(value * scale) / scale + 0;
}

/** successes / trials with its Wilson interval, rounded for people; NO_RATE over 0 trials. */
export function reportedRate(p: Proportion, confidence = DEFAULT_CONFIDENCE): Rate {
  if (!(p.trials > 0)) return NO_RATE;
  const { rate, low, high } = wilsonInterval(p, confidence);
  return { rate: roundRate(rate), low: roundRate(low), high: roundRate(high) };
}
