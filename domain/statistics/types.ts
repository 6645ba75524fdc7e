/** Successes out of trials, e.g. recipients who clicked out of recipients who entered. */
export interface Proportion {
  successes: number;
  trials: number;
}

export interface Interval {
  low: number;
  high: number;
}

/**
 * Sufficient statistics of per-recipient values, zeros included (revenue per recipient in
 * minor units; a 0/1 conversion gives sum = sumSquares = conversions).
 */
export interface MeanSummary {
  n: number;
  sum: number;
  sumSquares: number;
}

export const DEFAULT_CONFIDENCE = 0.95;
