import { fromMinorUnits } from '../domain/money';
import type { CampaignReport, FunnelLine, Rate } from './build-report';

/**
 * The funnel as CSV (RFC 4180: CRLF line ends, a header row, quotes where a cell needs them): one
 * row per campaign × version × step × variant × currency. Rates are fractions with their Wilson
 * 95 % bounds, rounded to 6 decimals; a rate over no emails is three empty cells, not 0 with
 * [0, 1]. Money is in minor units, plus the decimal amount for spreadsheets.
 */

type Column = readonly [name: string, value: (line: FunnelLine) => string | number | null];

const rate = (name: string, pick: (line: FunnelLine) => Rate): Column[] => [
  [name, (line) => pick(line).rate],
  [`${name}_low`, (line) => pick(line).low],
  [`${name}_high`, (line) => pick(line).high],
];

const COLUMNS: readonly Column[] = [
  ['campaign', (line) => line.campaignId],
  ['version', (line) => line.campaignVersion],
  ['step', (line) => line.step],
  ['variant', (line) => line.variant],
  ['currency', (line) => line.currency],
  ['reached', (line) => line.reached],
  ['sent', (line) => line.sent],
  ['skipped', (line) => line.skipped],
  ['failed', (line) => line.failed],
  ['delivered', (line) => line.delivered],
  ['bounced', (line) => line.bounced],
  ['complained', (line) => line.complained],
  ['unsubscribed', (line) => line.unsubscribed],
  ['unique_human_opens', (line) => line.uniqueHumanOpens],
  ['machine_opens', (line) => line.machineOpens],
  ['unique_human_clicks', (line) => line.uniqueHumanClicks],
  ['machine_clicks', (line) => line.machineClicks],
  ['attributed_orders', (line) => line.attributedOrders],
  ['attributed_revenue_minor', (line) => line.attributedRevenueMinor],
  ['attributed_revenue', (line) => fromMinorUnits({ minor: line.attributedRevenueMinor, currency: line.currency })],
  ['recovered_carts', (line) => line.recoveredCarts],
  ...rate('human_open_rate', (line) => line.humanOpenRate),
  ...rate('human_click_rate', (line) => line.humanClickRate),
  ...rate('order_rate', (line) => line.orderRate),
  ...rate('unsubscribe_rate', (line) => line.unsubscribeRate),
  ['revenue_per_recipient_minor', (line) => line.revenuePerRecipientMinor],
  // Added after the others so scripts that read columns by position keep working.
  ['unconfirmed', (line) => line.unconfirmed],
  ['unconfirmed_bounced', (line) => line.unconfirmedBounced],
];

export const REPORT_CSV_HEADER = COLUMNS.map(([name]) => name);

export function reportCsv(report: CampaignReport): string {
  const rows = report.campaigns.flatMap((campaign) =>
    campaign.funnel.map((line) => COLUMNS.map(([, value]) => csvCell(value(line)))),
  );
  return [REPORT_CSV_HEADER, ...rows].map((row) => `${row.join(',')}\r\n`).join('');
}

/**
 * RFC 4180 quoting; null (a rate over no emails) and a non-finite number (which the report should
 * never hold) become an empty cell.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
