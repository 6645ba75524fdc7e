ALTER TABLE "messages" DROP CONSTRAINT "messages_status_check";--> statement-breakpoint
ALTER TABLE "analytics_step_daily" ADD COLUMN "unconfirmed" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "analytics_step_daily" ADD COLUMN "unconfirmed_bounced" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "died_mid_send" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_status_check" CHECK ("messages"."status" in ('sending', 'sent', 'skipped', 'failed', 'unconfirmed'));
--> statement-breakpoint

-- A step that decides not to send and finds the `sending` row of an earlier attempt that died
-- records it `unconfirmed`, not `skipped`: that attempt may have had its email accepted by the
-- SMTP server before it died (docs/exactly-once.md). The funnel counts these on their own.
-- What counts where (docs/analytics.md, "Unconfirmed emails"): `sent` and `delivered` stay
-- confirmed sends only; the rates are over every email that may have reached the customer
-- (sent + unconfirmed, less bounces), since an unconfirmed email's opens, clicks and orders are
-- counted as every email's are (a click proves it arrived).
CREATE OR REPLACE FUNCTION analytics_step_apply(m messages, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF m.campaign_id IS NULL THEN RETURN; END IF;
  INSERT INTO analytics_step_daily AS r (
    shop_id, campaign_id, campaign_version, step, segment, variant, currency, day,
    reached, sent, skipped, failed, bounced, complained, unsubscribed,
    human_opened, machine_opens, human_clicked, machine_clicks,
    attributed_orders, attributed_revenue_minor, recovered_carts, unconfirmed, unconfirmed_bounced)
  VALUES (
    m.shop_id, m.campaign_id, coalesce(m.campaign_version, 0), m.step, coalesce(m.segment, ''),
    coalesce(m.variant, ''), coalesce(m.currency, ''), (m.created_at AT TIME ZONE 'UTC')::date,
    sign,
    sign * (m.status = 'sent')::int,
    sign * (m.status = 'skipped')::int,
    sign * (m.status = 'failed')::int,
    sign * (m.bounced_at IS NOT NULL)::int,
    sign * (m.complained_at IS NOT NULL)::int,
    sign * (m.unsubscribed_at IS NOT NULL)::int,
    sign * (m.human_opens > 0)::int,
    sign * m.machine_opens,
    sign * (m.human_clicks > 0)::int,
    sign * m.machine_clicks,
    sign * m.attributed_orders,
    sign * m.attributed_revenue_minor,
    sign * m.recovered_carts,
    sign * (m.status = 'unconfirmed')::int,
    sign * (m.status = 'unconfirmed' AND m.bounced_at IS NOT NULL)::int)
  ON CONFLICT (shop_id, campaign_id, campaign_version, step, segment, variant, currency, day) DO UPDATE SET
    reached = r.reached + excluded.reached,
    sent = r.sent + excluded.sent,
    skipped = r.skipped + excluded.skipped,
    failed = r.failed + excluded.failed,
    bounced = r.bounced + excluded.bounced,
    complained = r.complained + excluded.complained,
    unsubscribed = r.unsubscribed + excluded.unsubscribed,
    human_opened = r.human_opened + excluded.human_opened,
    machine_opens = r.machine_opens + excluded.machine_opens,
    human_clicked = r.human_clicked + excluded.human_clicked,
    machine_clicks = r.machine_clicks + excluded.machine_clicks,
    attributed_orders = r.attributed_orders + excluded.attributed_orders,
    attributed_revenue_minor = r.attributed_revenue_minor + excluded.attributed_revenue_minor,
    recovered_carts = r.recovered_carts + excluded.recovered_carts,
    unconfirmed = r.unconfirmed + excluded.unconfirmed,
    unconfirmed_bounced = r.unconfirmed_bounced + excluded.unconfirmed_bounced;
END $$;
--> statement-breakpoint

-- As in 0007, with the two new step counters. Recomputes every counter and rollup from the raw rows: after a bulk load with triggers off
-- (SET session_replication_role = replica), or to check them. Returns nothing; takes locks.
CREATE OR REPLACE FUNCTION analytics_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  -- The counters are rewritten in bulk here and the rollups rebuilt from them at the end, so the
  -- row triggers would only repeat the work.
  ALTER TABLE messages DISABLE TRIGGER analytics_messages_rollup;
  ALTER TABLE chains DISABLE TRIGGER analytics_chains_rollup;
  UPDATE messages m SET
    human_opens = coalesce(t.human_opens, 0), machine_opens = coalesce(t.machine_opens, 0),
    human_clicks = coalesce(t.human_clicks, 0), machine_clicks = coalesce(t.machine_clicks, 0),
    first_human_open_at = t.first_human_open_at, first_human_click_at = t.first_human_click_at,
    bounced_at = d.bounced_at, complained_at = d.complained_at, unsubscribed_at = u.unsubscribed_at,
    attributed_orders = coalesce(o.orders, 0), attributed_revenue_minor = coalesce(o.revenue_minor, 0),
    recovered_carts = coalesce(o.recovered, 0)
  FROM messages m2
  LEFT JOIN (
    SELECT message_id,
      count(*) FILTER (WHERE type = 'open' AND NOT machine)::int AS human_opens,
      count(*) FILTER (WHERE type = 'open' AND machine)::int AS machine_opens,
      count(*) FILTER (WHERE type = 'click' AND NOT machine)::int AS human_clicks,
      count(*) FILTER (WHERE type = 'click' AND machine)::int AS machine_clicks,
      min(occurred_at) FILTER (WHERE type = 'open' AND NOT machine) AS first_human_open_at,
      min(occurred_at) FILTER (WHERE type = 'click' AND NOT machine) AS first_human_click_at
    FROM tracking_events GROUP BY message_id
  ) t ON t.message_id = m2.id
  LEFT JOIN (
    SELECT message_id,
      min(occurred_at) FILTER (WHERE type = 'hard_bounce') AS bounced_at,
      min(occurred_at) FILTER (WHERE type = 'complaint') AS complained_at
    FROM delivery_events WHERE message_id IS NOT NULL GROUP BY message_id
  ) d ON d.message_id = m2.id
  LEFT JOIN (SELECT message_id, min(occurred_at) AS unsubscribed_at FROM unsubscribe_events GROUP BY message_id) u
    ON u.message_id = m2.id
  LEFT JOIN (
    SELECT o.attributed_message_id,
      count(*)::int AS orders,
      sum(o.total_minor) FILTER (WHERE o.currency = am.currency)::bigint AS revenue_minor,
      count(*) FILTER (WHERE o.cart_id = am.cart_id)::int AS recovered
    FROM orders o JOIN messages am ON am.id = o.attributed_message_id
    GROUP BY o.attributed_message_id
  ) o ON o.attributed_message_id = m2.id
  WHERE m.id = m2.id;

  UPDATE chains c SET
    orders = coalesce(s.orders, 0), revenue_minor = coalesce(s.revenue_minor, 0),
    recovered_cart = coalesce(s.recovered, false),
    human_opened = coalesce(e.opened, false), human_clicked = coalesce(e.clicked, false)
  FROM chains c2
  LEFT JOIN LATERAL (
    SELECT count(*)::int AS orders,
      sum(o.total_minor) FILTER (WHERE o.currency = c2.currency)::bigint AS revenue_minor,
      bool_or(o.cart_id = c2.cart_id) AS recovered
    FROM orders o
    WHERE o.shop_id = c2.shop_id AND o.customer_id = c2.customer_id
      AND o.placed_at > c2.started_at AND o.placed_at <= c2.conversion_until
  ) s ON true
  LEFT JOIN (
    SELECT workflow_id, bool_or(human_opens > 0) AS opened, bool_or(human_clicks > 0) AS clicked
    FROM messages WHERE workflow_id IS NOT NULL GROUP BY workflow_id
  ) e ON e.workflow_id = c2.workflow_id
  WHERE c.workflow_id = c2.workflow_id;

  DELETE FROM analytics_step_daily;
  INSERT INTO analytics_step_daily
  SELECT shop_id, campaign_id, coalesce(campaign_version, 0), step, coalesce(segment, ''), coalesce(variant, ''),
    coalesce(currency, ''), (created_at AT TIME ZONE 'UTC')::date,
    count(*), count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'skipped'),
    count(*) FILTER (WHERE status = 'failed'), count(bounced_at), count(complained_at), count(unsubscribed_at),
    count(*) FILTER (WHERE human_opens > 0), sum(machine_opens), count(*) FILTER (WHERE human_clicks > 0),
    sum(machine_clicks), sum(attributed_orders), sum(attributed_revenue_minor), sum(recovered_carts),
    count(*) FILTER (WHERE status = 'unconfirmed'), count(bounced_at) FILTER (WHERE status = 'unconfirmed')
  FROM messages WHERE campaign_id IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

  DELETE FROM analytics_arm_daily;
  INSERT INTO analytics_arm_daily
  SELECT c.shop_id, c.campaign_id, c.campaign_version, c.segment, a.experiment, a.arm, coalesce(c.currency, ''),
    (c.started_at AT TIME ZONE 'UTC')::date,
    count(*), count(*) FILTER (WHERE c.orders > 0), sum(c.orders), sum(c.revenue_minor),
    sum(c.revenue_minor::numeric * c.revenue_minor::numeric), count(*) FILTER (WHERE c.recovered_cart),
    count(*) FILTER (WHERE c.human_clicked), count(*) FILTER (WHERE c.human_opened)
  FROM chains c
  CROSS JOIN LATERAL (
    SELECT 'holdout' AS experiment, c.arm AS arm WHERE c.arm IS NOT NULL
    UNION ALL
    SELECT key, value FROM jsonb_each_text(c.variants)
  ) a
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

  ALTER TABLE messages ENABLE TRIGGER analytics_messages_rollup;
  ALTER TABLE chains ENABLE TRIGGER analytics_chains_rollup;
END $$;
--> statement-breakpoint

-- Same columns and order as 0007 (a contract), `unconfirmed` and `unconfirmed_bounced` added at
-- the end. `delivered` counts confirmed sends that did not bounce; the rates' denominators
-- (sent + unconfirmed - bounced) hold every email that may have reached the customer.
CREATE OR REPLACE VIEW campaign_step_daily AS
SELECT
  shop_id, campaign_id, campaign_version, step, segment, variant, currency, day,
  reached, sent, skipped, failed,
  sent - (bounced - unconfirmed_bounced) AS delivered,
  bounced, complained, unsubscribed,
  human_opened AS unique_human_opens,
  machine_opens,
  human_clicked AS unique_human_clicks,
  machine_clicks,
  attributed_orders,
  attributed_revenue_minor,
  recovered_carts,
  round(human_opened::numeric / nullif(sent + unconfirmed - bounced, 0), 6) AS human_open_rate,
  round(human_clicked::numeric / nullif(sent + unconfirmed - bounced, 0), 6) AS human_click_rate,
  round(attributed_orders::numeric / nullif(sent + unconfirmed - bounced, 0), 6) AS order_rate,
  round(unsubscribed::numeric / nullif(sent + unconfirmed - bounced, 0), 6) AS unsubscribe_rate,
  round(bounced::numeric / nullif(sent + unconfirmed, 0), 6) AS bounce_rate,
  round(attributed_revenue_minor::numeric / nullif(sent + unconfirmed, 0), 2) AS revenue_per_recipient_minor,
  unconfirmed,
  unconfirmed_bounced
FROM analytics_step_daily;
--> statement-breakpoint

-- Rows recorded before this migration: a claim writes the real Message-ID and a plain skip writes
-- '-', so a `skipped` row with a Message-ID is a claim turned into a skip. Its claim time tells a
-- dead attempt's (it may have sent) from a released one (epoch: refused or unreachable, so the
-- server certainly did not take it, as after a mail-server outage that expired the step).
UPDATE messages SET status = 'unconfirmed'
WHERE status = 'skipped' AND message_id_header <> '-' AND claimed_at <> 'epoch'::timestamptz;
