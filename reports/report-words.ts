import { formatMoney, fromMinorUnits } from '../domain/money';
import { type Interval, type Metric, MINIMUM_RECIPIENTS_PER_ARM, type Rate } from '../domain/statistics';
import type { ExperimentArm, ExperimentReport } from './build-report';

/**
 * Numbers and verdicts in the words an analyst reads (the table output of `npm run report`).
 * Every formatter turns a missing or non-finite value into "n/a", so a zero-count arm can never
 * print NaN, Infinity or undefined.
 */

const NOT_AVAILABLE = 'n/a';

const finite = (value: number | null | undefined): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** 0.0423 → "4.2 %". */
export function percent(rate: number | null | undefined): string {
  return finite(rate) ? `${(rate * 100).toFixed(1)} %` : NOT_AVAILABLE;
}

/** A rate interval as percent bounds: "[3.1, 5.6]". */
export function percentInterval(interval: Interval | null | undefined): string {
  if (!interval || !finite(interval.low) || !finite(interval.high)) return `[${NOT_AVAILABLE}]`;
  return `[${(interval.low * 100).toFixed(1)}, ${(interval.high * 100).toFixed(1)}]`;
}

/** What a rate or a per-recipient figure over no emails or no entrants shows: not 0, which would be a measurement. */
export const NO_RATE_SHOWN = '–';

/** A rate with its interval, "4.2 % [3.1, 5.6]"; "–" when its denominator was 0. */
export function rateWithInterval(rate: Rate): string {
  if (rate.rate === null) return NO_RATE_SHOWN;
  return `${percent(rate.rate)} ${percentInterval(rate)}`;
}

/**
 * Revenue per recipient in money, "€3.95"; "–" when there was no recipient, as "€0.00" would say
 * the arm earned nothing.
 */
export function moneyPerRecipient(minor: number | null, currency: string): string {
  return minor === null ? NO_RATE_SHOWN : money(minor, currency);
}

/** A difference of rates in percentage points: 0.012 → "+1.2 pp". */
export function points(difference: number | null | undefined): string {
  if (!finite(difference)) return NOT_AVAILABLE;
  const value = (difference * 100).toFixed(1);
  return `${difference >= 0 && !value.startsWith('-') ? '+' : ''}${value} pp`;
}

/** A relative change: 0.25 → "+25 %". */
export function relative(change: number | null | undefined): string {
  if (!finite(change)) return NOT_AVAILABLE;
  const value = (change * 100).toFixed(0);
  return `${change >= 0 && !value.startsWith('-') ? '+' : ''}${value} %`;
}

/** "p=0.032"; very small values in exponent form so a mismatch still shows its size. */
export function pValue(p: number | null | undefined): string {
  if (!finite(p)) return `p=${NOT_AVAILABLE}`;
  return p >= 0.001 ? `p=${p.toFixed(3)}` : `p=${p.toExponential(1)}`;
}

/** 1234 → "1,234". */
export function count(value: number | null | undefined): string {
  return finite(value) ? Math.round(value).toLocaleString('en') : NOT_AVAILABLE;
}

/**
 * Minor units as money in their currency: 395, EUR → "€3.95". Fractions of a minor unit (a
 * per-recipient mean) are rounded; rows without a currency (messages stored before it was
 * recorded) show the plain amount.
 */
export function money(minor: number | null | undefined, currency: string): string {
  if (!finite(minor)) return NOT_AVAILABLE;
  const amount = fromMinorUnits({ minor: Math.round(minor), currency });
  if (!/^[A-Z]{3}$/.test(currency)) return amount;
  try {
    return formatMoney({ amount, currency, locale: 'en' });
  } catch {
    return `${amount} ${currency}`; // a code Intl does not know
  }
}

/** A signed money difference: "+€1.20". */
export function moneyDifference(minor: number | null | undefined, currency: string): string {
  if (!finite(minor)) return NOT_AVAILABLE;
  const rounded = Math.round(minor);
  return `${rounded > 0 ? '+' : rounded < 0 ? '-' : ''}${money(Math.abs(rounded), currency)}`;
}

export function moneyInterval(interval: Interval | null | undefined, currency: string): string {
  if (!interval) return `[${NOT_AVAILABLE}]`;
  return `[${moneyDifference(interval.low, currency)}, ${moneyDifference(interval.high, currency)}]`;
}

export const METRIC_WORDS: Record<Metric, string> = {
  orders: 'orders',
  human_clicks: 'human clicks',
  revenue: 'revenue per recipient',
};

/** What the experiment's metric counts, for the heading of its section. */
export const METRIC_MEANING: Record<Metric, string> = {
  orders: 'share of entrants with at least one order in their conversion window',
  human_clicks: 'share of entrants who clicked an email (machine clicks excluded)',
  revenue: 'revenue per entrant, zeros included',
};

/** The judged difference of `arm` against the baseline with its always-valid interval. */
export function judgedDifference(arm: ExperimentArm, metric: Metric, currency: string): string {
  const versus = arm.vsControl;
  if (!versus) return NOT_AVAILABLE;
  if (metric === 'revenue') {
    return `${moneyDifference(versus.revenueDifference, currency)} ${moneyInterval(versus.sequentialInterval, currency)}`;
  }
  return `${points(versus.difference)} ${percentInterval(versus.sequentialInterval)}`;
}

/** The verdict in words, e.g. "treated beats holdout on orders: +1.2 pp [0.4, 2.0], sequential test, …". */
export function verdictWords(experiment: ExperimentReport): string {
  const { verdict, metric, currency, arms } = experiment;
  const baseline = arms[0]?.id ?? 'the baseline';
  switch (verdict.kind) {
    case 'winner':
    case 'loser': {
      const arm = arms.find((candidate) => candidate.id === verdict.arm);
      const how = verdict.kind === 'winner' ? 'beats' : 'loses to';
      const difference = arm ? judgedDifference(arm, metric, currency) : NOT_AVAILABLE;
      return `${verdict.arm} ${how} ${baseline} on ${METRIC_WORDS[metric]}: ${difference}, sequential test, valid at every look`;
    }
    case 'no_difference_yet':
      if (verdict.neededPerArm !== null)
        return `no difference yet: about ${count(verdict.neededPerArm)} more per arm needed`;
      // Sized from the baseline's rate: none gives nothing to size from, and near 100 % leaves no room for
      // the lift. Revenue is sized from its mean, which only lacks when there is none.
      return metric !== 'revenue' && (arms[0]?.conversions ?? 0) > 0
        ? `no difference yet: the ${baseline} arm's rate (${percent(arms[0]?.rate.rate)}) leaves no room for the planned lift to size the test from`
        : `no difference yet: the ${baseline} arm has no ${METRIC_WORDS[metric]} yet to size the test from`;
    case 'sample_ratio_mismatch':
      return `do not trust this experiment: sample-ratio mismatch ${pValue(verdict.pValue)} (the arms are not the planned split; check the assignment before reading any difference)`;
    case 'not_enough_data':
      if (arms.length < 2) return `not enough data (only one arm so far: ${baseline})`;
      if (arms.some((arm) => arm.entered < MINIMUM_RECIPIENTS_PER_ARM)) {
        return `not enough data (fewer than ${MINIMUM_RECIPIENTS_PER_ARM} per arm)`;
      }
      // No arm varies: nobody converted, or within each arm everybody did the same.
      return arms.every((arm) => arm.conversions === 0)
        ? `not enough data (no ${METRIC_WORDS[metric]} in any arm yet to compare)`
        : `not enough data (in each arm every entrant had the same outcome: no variation to compare)`;
  }
}
