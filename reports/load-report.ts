import { campaignsWithData, dailySeries, experimentArms, stepFunnel } from '../db/analytics-store';
import type { Db } from '../db/client';
import type { Campaign } from '../domain/campaign';
import { type CampaignReport, type ReportRange, buildReport } from './build-report';

/** Bad report input (unknown campaign, bad dates): the message says what to change. */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
  constructor(
    message: string,
    /** The request field to change, for an API's error body. */
    readonly parameter?: 'since' | 'until' | 'campaign',
  ) {
    super(message);
  }
}

export interface ReportRequest {
  shopId: string;
  campaignId?: string | undefined;
  /** `YYYY-MM-DD`, UTC days, inclusive; default: the 30 days up to `until`. */
  since?: string | undefined;
  /** Default: today (UTC). */
  until?: string | undefined;
}

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 30;

/** Checks and completes the date range: real calendar days, since ≤ until. */
export function reportRange(request: Pick<ReportRequest, 'since' | 'until'>, now: Date = new Date()): ReportRange {
  const until = request.until === undefined ? now.toISOString().slice(0, 10) : calendarDay('until', request.until);
  const since =
    request.since === undefined
      ? new Date(Date.parse(until) - (DEFAULT_DAYS - 1) * DAY_MS).toISOString().slice(0, 10)
      : calendarDay('since', request.since);
  if (since > until) throw new ReportInputError(`since (${since}) is after until (${until}): swap them`, 'since');
  return { since, until };
}

function calendarDay(name: 'since' | 'until', value: string): string {
  const parsed = Date.parse(`${value}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(parsed) ||
    new Date(parsed).toISOString().slice(0, 10) !== value
  ) {
    throw new ReportInputError(
      `${name} must be a calendar day as YYYY-MM-DD, such as 2026-11-01 (got "${value}")`,
      name,
    );
  }
  return value;
}

/**
 * The report for a shop (one campaign or all) over a range of days. A campaign must be known from
 * the campaign files or have data; a range with no data gives a report with no campaigns.
 */
export async function loadReport(
  db: Db,
  { campaigns, request, now }: { campaigns: readonly Campaign[]; request: ReportRequest; now?: Date },
): Promise<CampaignReport> {
  const range = reportRange(request, now);
  const { campaignId } = request;
  if (campaignId !== undefined) {
    const known = [
      ...new Set([...campaigns.map((campaign) => campaign.id), ...(await campaignsWithData(db, request.shopId))]),
    ];
    if (!known.includes(campaignId)) {
      throw new ReportInputError(
        `unknown campaign "${campaignId}"; known campaigns: ${known.sort().join(', ') || 'none'}`,
        'campaign',
      );
    }
  }
  const query = { shopId: request.shopId, campaignId, ...range };
  const [funnel, daily, arms] = await Promise.all([
    stepFunnel(db, query),
    dailySeries(db, query),
    experimentArms(db, query),
  ]);
  return buildReport({ range, funnel, daily, arms, campaigns });
}
