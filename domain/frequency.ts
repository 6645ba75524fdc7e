/**
 * Frequency caps across all campaigns, and the re-entry cooldown. Times are epoch milliseconds;
 * durations are milliseconds (as parsed from campaign files).
 */

const SEVEN_DAYS = 7 * 86_400_000;

export interface FrequencyLimits {
  /** Least time between two marketing emails to one recipient. */
  minGap: number;
  /** Most marketing emails to one recipient in any rolling 7 days. */
  maxPer7Days: number;
  /** A capped email waits at most this long; beyond it, it is skipped. */
  maxDeferral: number;
}

export interface FrequencyInput {
  now: number;
  /** When earlier marketing emails went to this recipient, from any campaign, in any order. */
  previousSends: readonly number[];
  limits: FrequencyLimits;
}

export type FrequencyDecision =
  { action: 'send' } | { action: 'defer'; until: number } | { action: 'skip'; reason: 'frequency_cap'; until: number };

/**
 * Send now, or the earliest time both caps allow: the last send plus `minGap`, and the moment
 * enough sends of the last 7 days have aged out. Later than `now + maxDeferral` means skip.
 */
export function checkFrequency({ now, previousSends, limits }: FrequencyInput): FrequencyDecision {
  const until = Math.max(gapFreeAt({ previousSends, limits }), weeklyCapFreeAt({ now, previousSends, limits }));
  if (until <= now) return { action: 'send' };
  if (until - now > limits.maxDeferral) return { action: 'skip', reason: 'frequency_cap', until };
  return { action: 'defer', until };
}

function gapFreeAt({ previousSends, limits }: Omit<FrequencyInput, 'now'>): number {
  return previousSends.length === 0 ? -Infinity : Math.max(...previousSends) + limits.minGap;
}

function weeklyCapFreeAt({ now, previousSends, limits }: FrequencyInput): number {
  // The window is (t - 7 days, t]: a send leaves it exactly 7 days later.
  const inWindow = previousSends.filter((sent) => sent > now - SEVEN_DAYS).sort((a, b) => a - b);
  const mustAgeOut = inWindow.length - limits.maxPer7Days + 1;
  if (mustAgeOut <= 0) return -Infinity;
  return (inWindow[mustAgeOut - 1] as number) + SEVEN_DAYS;
}

export interface ReentryInput {
  now: number;
  /** When the customer's last chain of this kind ended; undefined if never. */
  lastChainEndedAt: number | undefined;
  cooldown: number;
}

export type ReentryDecision = { allowed: true } | { allowed: false; until: number };

/** A customer who finished a chain does not enter another one until the cooldown has passed. */
export function checkReentry({ now, lastChainEndedAt, cooldown }: ReentryInput): ReentryDecision {
  if (lastChainEndedAt === undefined) return { allowed: true };
  const until = lastChainEndedAt + cooldown;
  return now >= until ? { allowed: true } : { allowed: false, until };
}
