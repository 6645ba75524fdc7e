/**
 * How long a step stays worth sending after it fell due. A reminder that could not go out within
 * its window (SMTP down, workers down, retries exhausting the day) is recorded as expired rather
 * than sent late: "your cart is waiting" three days on is noise, and it can cross a later step.
 */

/** Chains pinned to a campaign from before freshness windows existed use this one. */
export const DEFAULT_FRESH_FOR_MS = 24 * 60 * 60 * 1000;

export interface FreshnessInput {
  /** When the step fell due (ms), in the workflow's clock. */
  dueAt: number;
  /** When this attempt at the step was scheduled (ms), in the same clock. */
  attemptAt: number;
  /** The campaign's window (ms). */
  freshFor: number;
}

/** True when the attempt comes too late for the step to be worth sending. */
export function isExpired({ dueAt, attemptAt, freshFor }: FreshnessInput): boolean {
  return attemptAt - dueAt > freshFor;
}
