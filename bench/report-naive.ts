import { sql } from 'drizzle-orm';
import type { AnalyticsRange, ArmRow, DailyRow, StepFunnelRow } from '../db/analytics-store';
import { type Db, rowsOf } from '../db/client';

// The baseline of bench/report.ts: the three results of db/analytics-store.ts computed the way an
// analyst would without migration 0007: from the raw rows (messages with their tracking, delivery
// and unsubscribe events and attributed orders; chains with the orders in their window), grouped
// at query time. No counter column and no rollup table is read.

/** One row per message with its outcomes, counted from the event tables. */
const perMessage = (range: AnalyticsRange) => sql`
  with t as (
    select message_id,
      count(*) filter (where type = 'open' and not machine) as human_opens,
      count(*) filter (where type = 'open' and machine) as machine_opens,
      count(*) filter (where type = 'click' and not machine) as human_clicks,
      count(*) filter (where type = 'click' and machine) as machine_clicks
    from tracking_events group by message_id
  ), d as (
    select message_id, bool_or(type = 'hard_bounce') as bounced, bool_or(type = 'complaint') as complained
    from delivery_events where message_id is not null group by message_id
  ), u as (
    select distinct message_id from unsubscribe_events
  ), o as (
    select o.attributed_message_id as message_id, count(*) as orders,
      coalesce(sum(o.total_minor) filter (where o.currency = am.currency), 0) as revenue_minor,
      count(*) filter (where o.cart_id = am.cart_id) as recovered
    from orders o join messages am on am.id = o.attributed_message_id group by o.attributed_message_id
  )
  select m.campaign_id, coalesce(m.campaign_version, 0) as campaign_version, m.step, coalesce(m.variant, '') as variant,
    coalesce(m.currency, '') as currency, (m.created_at at time zone 'UTC')::date as day, m.status,
    coalesce(d.bounced, false) as bounced, coalesce(d.complained, false) as complained, u.message_id is not null as unsubscribed,
    coalesce(t.human_opens, 0) as human_opens, coalesce(t.machine_opens, 0) as machine_opens,
    coalesce(t.human_clicks, 0) as human_clicks, coalesce(t.machine_clicks, 0) as machine_clicks,
    coalesce(o.orders, 0) as orders, coalesce(o.revenue_minor, 0) as revenue_minor, coalesce(o.recovered, 0) as recovered
  from messages m
  left join t on t.message_id = m.id
  left join d on d.message_id = m.id
  left join u on u.message_id = m.id
  left join o on o.message_id = m.id
  where m.shop_id = ${range.shopId} and m.campaign_id is not null
    and ${range.campaignId === undefined ? sql`true` : sql`m.campaign_id = ${range.campaignId}`}
    and (m.created_at at time zone 'UTC')::date between ${range.since}::date and ${range.until}::date`;

export async function naiveStepFunnel(db: Db, range: AnalyticsRange): Promise<StepFunnelRow[]> {
  const rows = await db.execute(sql`
    select campaign_id, campaign_version, step, variant, currency,
      count(*) as reached, count(*) filter (where status = 'sent') as sent,
      count(*) filter (where status = 'skipped') as skipped, count(*) filter (where status = 'failed') as failed,
      count(*) filter (where status = 'sent')
        - count(*) filter (where bounced and status <> 'unconfirmed') as delivered,
      count(*) filter (where bounced) as bounced, count(*) filter (where complained) as complained,
      count(*) filter (where unsubscribed) as unsubscribed,
      count(*) filter (where human_opens > 0) as unique_human_opens, sum(machine_opens) as machine_opens,
      count(*) filter (where human_clicks > 0) as unique_human_clicks, sum(machine_clicks) as machine_clicks,
      sum(orders) as attributed_orders, sum(revenue_minor) as attributed_revenue_minor, sum(recovered) as recovered_carts,
      count(*) filter (where status = 'unconfirmed') as unconfirmed,
      count(*) filter (where bounced and status = 'unconfirmed') as unconfirmed_bounced
    from (${perMessage(range)}) m
    group by campaign_id, campaign_version, step, variant, currency
    order by campaign_id, campaign_version, min(day), step, variant, currency`);
  return rowsOf<Record<string, unknown>>(rows).map((row) => ({
    campaignId: String(row.campaign_id),
    campaignVersion: Number(row.campaign_version),
    step: String(row.step),
    variant: String(row.variant),
    currency: String(row.currency),
    reached: Number(row.reached),
    sent: Number(row.sent),
    skipped: Number(row.skipped),
    failed: Number(row.failed),
    delivered: Number(row.delivered),
    bounced: Number(row.bounced),
    complained: Number(row.complained),
    unsubscribed: Number(row.unsubscribed),
    uniqueHumanOpens: Number(row.unique_human_opens),
    machineOpens: Number(row.machine_opens),
    uniqueHumanClicks: Number(row.unique_human_clicks),
    machineClicks: Number(row.machine_clicks),
    attributedOrders: Number(row.attributed_orders),
    attributedRevenueMinor: Number(row.attributed_revenue_minor),
    recoveredCarts: Number(row.recovered_carts),
    unconfirmed: Number(row.unconfirmed),
    unconfirmedBounced: Number(row.unconfirmed_bounced),
  }));
}

export async function naiveDailySeries(db: Db, range: AnalyticsRange): Promise<DailyRow[]> {
  const rows = await db.execute(sql`
    select campaign_id, to_char(day, 'YYYY-MM-DD') as day, currency,
      count(*) filter (where status = 'sent') as sent, count(*) filter (where status = 'unconfirmed') as unconfirmed,
      count(*) filter (where human_opens > 0) as unique_human_opens,
      count(*) filter (where human_clicks > 0) as unique_human_clicks, sum(orders) as attributed_orders,
      sum(revenue_minor) as attributed_revenue_minor
    from (${perMessage(range)}) m
    group by campaign_id, m.day, currency
    order by campaign_id, m.day, currency`);
  return rowsOf<Record<string, unknown>>(rows).map((row) => ({
    campaignId: String(row.campaign_id),
    day: String(row.day),
    currency: String(row.currency),
    sent: Number(row.sent),
    unconfirmed: Number(row.unconfirmed),
    uniqueHumanOpens: Number(row.unique_human_opens),
    uniqueHumanClicks: Number(row.unique_human_clicks),
    attributedOrders: Number(row.attributed_orders),
    attributedRevenueMinor: Number(row.attributed_revenue_minor),
  }));
}

export async function naiveExperimentArms(db: Db, range: AnalyticsRange): Promise<ArmRow[]> {
  const rows = await db.execute(sql`
    with per_chain as (
      select c.workflow_id, c.campaign_id, c.campaign_version, c.arm, c.variants, coalesce(c.currency, '') as currency,
        count(o.order_id) as orders,
        coalesce(sum(o.total_minor) filter (where o.currency = c.currency), 0) as revenue_minor,
        coalesce(bool_or(o.cart_id = c.cart_id), false) as recovered
      from chains c
      left join orders o on o.shop_id = c.shop_id and o.customer_id = c.customer_id
        and o.placed_at > c.started_at and o.placed_at <= c.conversion_until
      where c.shop_id = ${range.shopId}
        and ${range.campaignId === undefined ? sql`true` : sql`c.campaign_id = ${range.campaignId}`}
        and (c.started_at at time zone 'UTC')::date between ${range.since}::date and ${range.until}::date
      group by c.workflow_id
    ), engaged as (
      select m.workflow_id,
        bool_or(te.type = 'open' and not te.machine) as opened, bool_or(te.type = 'click' and not te.machine) as clicked
      from messages m join tracking_events te on te.message_id = m.id
      where m.workflow_id is not null group by m.workflow_id
    )
    select pc.campaign_id, pc.campaign_version, a.experiment, a.arm, pc.currency,
      count(*) as entered, count(*) filter (where pc.orders > 0) as converted, sum(pc.orders) as orders,
      sum(pc.revenue_minor) as revenue_minor, sum(pc.revenue_minor::numeric * pc.revenue_minor::numeric) as revenue_squares_minor,
      count(*) filter (where pc.recovered) as recovered_carts,
      count(*) filter (where e.clicked) as human_clicked, count(*) filter (where e.opened) as human_opened
    from per_chain pc
    left join engaged e on e.workflow_id = pc.workflow_id
    cross join lateral (
      select 'holdout' as experiment, pc.arm as arm where pc.arm is not null
      union all
      select key, value from jsonb_each_text(pc.variants)
    ) a
    group by pc.campaign_id, pc.campaign_version, a.experiment, a.arm, pc.currency
    order by pc.campaign_id, pc.campaign_version, a.experiment, a.arm, pc.currency`);
  return rowsOf<Record<string, unknown>>(rows).map((row) => ({
    campaignId: String(row.campaign_id),
    campaignVersion: Number(row.campaign_version),
    experiment: String(row.experiment),
    arm: String(row.arm),
    currency: String(row.currency),
    entered: Number(row.entered),
    converted: Number(row.converted),
    orders: Number(row.orders),
    revenueMinor: Number(row.revenue_minor),
    revenueSquaresMinor: Number(row.revenue_squares_minor),
    recoveredCarts: Number(row.recovered_carts),
    humanClicked: Number(row.human_clicked),
    humanOpened: Number(row.human_opened),
  }));
}
