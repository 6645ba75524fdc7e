import { sql, type SQL } from 'drizzle-orm';
import { type Db, rowsOf } from './client';

/**
 * What the report, the JSON API and the dashboard read: sums over the daily rollup views
 * (campaign_step_daily, experiment_arms_daily; migration 0007), never over raw events, so a
 * report over millions of messages reads a few thousand rows.
 */

export interface AnalyticsRange {
  shopId: string;
  /** Only this campaign; all when absent. */
  campaignId?: string | undefined;
  /** Inclusive UTC days, `YYYY-MM-DD`. */
  since: string;
  until: string;
}

export interface StepFunnelRow {
  campaignId: string;
  campaignVersion: number;
  step: string;
  variant: string;
  currency: string;
  reached: number;
  sent: number;
  skipped: number;
  failed: number;
  delivered: number;
  bounced: number;
  complained: number;
  unsubscribed: number;
  uniqueHumanOpens: number;
  machineOpens: number;
  uniqueHumanClicks: number;
  machineClicks: number;
  attributedOrders: number;
  attributedRevenueMinor: number;
  recoveredCarts: number;
  /** Not sent again after an attempt that died mid-send: may have reached the customer (migration 0016). */
  unconfirmed: number;
  /** Of `bounced`, the unconfirmed emails' bounces (`delivered` holds confirmed sends only). */
  unconfirmedBounced: number;
}

export interface DailyRow {
  campaignId: string;
  day: string;
  currency: string;
  /** Confirmed sends, as in the funnel. */
  sent: number;
  /** Not sent again after an attempt that died mid-send, as in the funnel: may have reached the customer. */
  unconfirmed: number;
  uniqueHumanOpens: number;
  uniqueHumanClicks: number;
  attributedOrders: number;
  attributedRevenueMinor: number;
}

export interface ArmRow {
  campaignId: string;
  campaignVersion: number;
  experiment: string;
  arm: string;
  currency: string;
  entered: number;
  converted: number;
  orders: number;
  revenueMinor: number;
  /** Σ revenue² per entrant (minor units²): for the variance of revenue per recipient. */
  revenueSquaresMinor: number;
  recoveredCarts: number;
  humanClicked: number;
  humanOpened: number;
}

function rangeFilter(range: AnalyticsRange, dayColumn: SQL): SQL {
  const campaign = range.campaignId === undefined ? sql`true` : sql`campaign_id = ${range.campaignId}`;
  return sql`shop_id = ${range.shopId} and ${campaign} and ${dayColumn} between ${range.since}::date and ${range.until}::date`;
}

/** The funnel per campaign × version × step × variant × currency over the range. */
export async function stepFunnel(db: Db, range: AnalyticsRange): Promise<StepFunnelRow[]> {
  const rows = await db.execute(sql`
    select campaign_id, campaign_version, step, variant, currency,
      sum(reached) as reached, sum(sent) as sent, sum(skipped) as skipped, sum(failed) as failed,
      sum(delivered) as delivered, sum(bounced) as bounced, sum(complained) as complained,
      sum(unsubscribed) as unsubscribed, sum(unique_human_opens) as unique_human_opens,
      sum(machine_opens) as machine_opens, sum(unique_human_clicks) as unique_human_clicks,
      sum(machine_clicks) as machine_clicks, sum(attributed_orders) as attributed_orders,
      sum(attributed_revenue_minor) as attributed_revenue_minor, sum(recovered_carts) as recovered_carts,
      sum(unconfirmed) as unconfirmed, sum(unconfirmed_bounced) as unconfirmed_bounced
    from campaign_step_daily
    where ${rangeFilter(range, sql`day`)}
    group by campaign_id, campaign_version, step, variant, currency
    order by campaign_id, campaign_version, min(day), step, variant, currency`);
  return rowsOf<Record<string, unknown>>(rows).map((row) => ({
    campaignId: String(row.campaign_id),
    campaignVersion: Number(row.campaign_version),
    step: String(row.step),
    variant: String(row.variant),
    currency: String(row.currency),
    ...numbers(row, [
      ['reached', 'reached'],
      ['sent', 'sent'],
      ['skipped', 'skipped'],
      ['failed', 'failed'],
      ['delivered', 'delivered'],
      ['bounced', 'bounced'],
      ['complained', 'complained'],
      ['unsubscribed', 'unsubscribed'],
      ['uniqueHumanOpens', 'unique_human_opens'],
      ['machineOpens', 'machine_opens'],
      ['uniqueHumanClicks', 'unique_human_clicks'],
      ['machineClicks', 'machine_clicks'],
      ['attributedOrders', 'attributed_orders'],
      ['attributedRevenueMinor', 'attributed_revenue_minor'],
      ['recoveredCarts', 'recovered_carts'],
      ['unconfirmed', 'unconfirmed'],
      ['unconfirmedBounced', 'unconfirmed_bounced'],
    ] as const),
  }));
}

/** One row per campaign × day × currency: the dashboard's time series. */
export async function dailySeries(db: Db, range: AnalyticsRange): Promise<DailyRow[]> {
  const rows = await db.execute(sql`
    select campaign_id, to_char(day, 'YYYY-MM-DD') as day, currency,
      sum(sent) as sent, sum(unconfirmed) as unconfirmed, sum(unique_human_opens) as unique_human_opens,
      sum(unique_human_clicks) as unique_human_clicks, sum(attributed_orders) as attributed_orders,
      sum(attributed_revenue_minor) as attributed_revenue_minor
    from campaign_step_daily
    where ${rangeFilter(range, sql`day`)}
    group by campaign_id, day, currency
    order by campaign_id, day, currency`);
  return rowsOf<Record<string, unknown>>(rows).map((row) => ({
    campaignId: String(row.campaign_id),
    day: String(row.day),
    currency: String(row.currency),
    ...numbers(row, [
      ['sent', 'sent'],
      ['unconfirmed', 'unconfirmed'],
      ['uniqueHumanOpens', 'unique_human_opens'],
      ['uniqueHumanClicks', 'unique_human_clicks'],
      ['attributedOrders', 'attributed_orders'],
      ['attributedRevenueMinor', 'attributed_revenue_minor'],
    ] as const),
  }));
}

/** Experiment arms (holdout and step variants) over the entry days in range. */
export async function experimentArms(db: Db, range: AnalyticsRange): Promise<ArmRow[]> {
  const rows = await db.execute(sql`
    select campaign_id, campaign_version, experiment, arm, currency,
      sum(entered) as entered, sum(converted) as converted, sum(orders) as orders,
      sum(revenue_minor) as revenue_minor, sum(revenue_squares_minor) as revenue_squares_minor,
      sum(recovered_carts) as recovered_carts, sum(human_clicked) as human_clicked,
      sum(human_opened) as human_opened
    from experiment_arms_daily
    where ${rangeFilter(range, sql`day`)}
    group by campaign_id, campaign_version, experiment, arm, currency
    order by campaign_id, campaign_version, experiment, arm, currency`);
  return rowsOf<Record<string, unknown>>(rows).map((row) => ({
    campaignId: String(row.campaign_id),
    campaignVersion: Number(row.campaign_version),
    experiment: String(row.experiment),
    arm: String(row.arm),
    currency: String(row.currency),
    ...numbers(row, [
      ['entered', 'entered'],
      ['converted', 'converted'],
      ['orders', 'orders'],
      ['revenueMinor', 'revenue_minor'],
      ['revenueSquaresMinor', 'revenue_squares_minor'],
      ['recoveredCarts', 'recovered_carts'],
      ['humanClicked', 'human_clicked'],
      ['humanOpened', 'human_opened'],
    ] as const),
  }));
}

/** Campaign ids with any data for the shop, for "unknown campaign" messages. */
export async function campaignsWithData(db: Db, shopId: string): Promise<string[]> {
  const rows = await db.execute(sql`
    select campaign_id from analytics_step_daily where shop_id = ${shopId}
    union select campaign_id from analytics_arm_daily where shop_id = ${shopId}
    order by campaign_id`);
  return rowsOf<{ campaign_id: string }>(rows).map((row) => row.campaign_id);
}

type NumericFields<K extends string> = { [P in K]: number };

/** Postgres sums come back as strings (bigint, numeric): numbers for the report. */
function numbers<K extends string>(row: Record<string, unknown>, fields: ReadonlyArray<readonly [K, string]>) {
  const result = {} as NumericFields<K>;
  for (const [name, column] of fields) result[name] = Number(row[column] ?? 0);
  return result;
}

/**
 * Shops with report data in the range (of one campaign, when named): for a report that found
 * nothing for its shop, to say where the data is instead of a bare "no data".
 */
export async function shopsWithData(db: Db, range: Omit<AnalyticsRange, 'shopId'>): Promise<string[]> {
  const campaign = range.campaignId === undefined ? sql`true` : sql`campaign_id = ${range.campaignId}`;
  const days = sql`day between ${range.since}::date and ${range.until}::date`;
  const rows = await db.execute(sql`
    select shop_id from analytics_step_daily where ${campaign} and ${days}
    union select shop_id from analytics_arm_daily where ${campaign} and ${days}
    order by shop_id`);
  return rowsOf<{ shop_id: string }>(rows).map((row) => row.shop_id);
}
