-- Analytics: counters kept by triggers, daily rollups, and the views analysts query.
-- Documented in README.md ("For analysts") and docs/analytics.md; the view names and columns are
-- a contract: add columns at the end, never rename or drop one.
--
-- Why triggers: a report over millions of messages must not scan tracking events. Every write
-- that changes a message's or a chain's outcome (a tracking hit, a bounce, an unsubscribe, an
-- order) recounts that one message or chain, and the message and chain triggers move their
-- contribution between the daily rollup rows. Any process that writes (server, worker, CLI,
-- a hand-written INSERT) keeps them right. analytics_rebuild() recomputes everything from the
-- raw rows (after a bulk load, or to check the counters).

-- Minor-unit digits per ISO 4217 currency; domain/money.ts holds the same list (a test compares).
CREATE FUNCTION analytics_currency_digits(code text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN code IN ('BIF','CLP','DJF','GNF','ISK','JPY','KMF','KRW','PYG','RWF','UGX','UYI','VND','VUV','XAF','XOF','XPF') THEN 0
    WHEN code IN ('BHD','IQD','JOD','KWD','LYD','OMR','TND') THEN 3
    WHEN code IN ('CLF','UYW') THEN 4
    ELSE 2
  END
$$;
--> statement-breakpoint

-- One message's contribution (sign +1 or -1) to its row of analytics_step_daily.
CREATE FUNCTION analytics_step_apply(m messages, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF m.campaign_id IS NULL THEN RETURN; END IF;
  INSERT INTO analytics_step_daily AS r (
    shop_id, campaign_id, campaign_version, step, segment, variant, currency, day,
    reached, sent, skipped, failed, bounced, complained, unsubscribed,
    human_opened, machine_opens, human_clicked, machine_clicks,
    attributed_orders, attributed_revenue_minor, recovered_carts)
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
    sign * m.recovered_carts)
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
    recovered_carts = r.recovered_carts + excluded.recovered_carts;
END $$;
--> statement-breakpoint

-- One chain's contribution to analytics_arm_daily: once for the holdout experiment (when the
-- campaign has one) and once per step with variants.
CREATE FUNCTION analytics_arm_apply(c chains, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  assignment record;
BEGIN
  FOR assignment IN
    SELECT 'holdout' AS experiment, c.arm AS arm WHERE c.arm IS NOT NULL
    UNION ALL
    SELECT key, value FROM jsonb_each_text(c.variants)
  LOOP
    INSERT INTO analytics_arm_daily AS r (
      shop_id, campaign_id, campaign_version, segment, experiment, arm, currency, day,
      entered, converted, orders, revenue_minor, revenue_squares_minor, recovered_carts, human_clicked, human_opened)
    VALUES (
      c.shop_id, c.campaign_id, c.campaign_version, c.segment, assignment.experiment, assignment.arm,
      coalesce(c.currency, ''), (c.started_at AT TIME ZONE 'UTC')::date,
      sign,
      sign * (c.orders > 0)::int,
      sign * c.orders,
      sign * c.revenue_minor,
      sign * (c.revenue_minor::numeric * c.revenue_minor::numeric),
      sign * c.recovered_cart::int,
      sign * c.human_clicked::int,
      sign * c.human_opened::int)
    ON CONFLICT (shop_id, campaign_id, campaign_version, segment, experiment, arm, currency, day) DO UPDATE SET
      entered = r.entered + excluded.entered,
      converted = r.converted + excluded.converted,
      orders = r.orders + excluded.orders,
      revenue_minor = r.revenue_minor + excluded.revenue_minor,
      revenue_squares_minor = r.revenue_squares_minor + excluded.revenue_squares_minor,
      recovered_carts = r.recovered_carts + excluded.recovered_carts,
      human_clicked = r.human_clicked + excluded.human_clicked,
      human_opened = r.human_opened + excluded.human_opened;
  END LOOP;
END $$;
--> statement-breakpoint

CREATE FUNCTION analytics_messages_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM analytics_step_apply(OLD, -1); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM analytics_step_apply(NEW, 1); END IF;
  -- A chain was opened or clicked when any of its emails was (re-marked bursts can undo it).
  IF TG_OP = 'UPDATE' AND NEW.workflow_id IS NOT NULL
     AND ((OLD.human_opens > 0) <> (NEW.human_opens > 0) OR (OLD.human_clicks > 0) <> (NEW.human_clicks > 0)) THEN
    UPDATE chains SET
      human_opened = EXISTS (SELECT 1 FROM messages WHERE workflow_id = NEW.workflow_id AND human_opens > 0),
      human_clicked = EXISTS (SELECT 1 FROM messages WHERE workflow_id = NEW.workflow_id AND human_clicks > 0)
    WHERE workflow_id = NEW.workflow_id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint

CREATE TRIGGER analytics_messages_rollup
AFTER INSERT OR DELETE OR UPDATE OF status, campaign_id, campaign_version, step, segment, variant, currency, created_at,
  bounced_at, complained_at, unsubscribed_at, human_opens, machine_opens, human_clicks, machine_clicks,
  attributed_orders, attributed_revenue_minor, recovered_carts
ON messages FOR EACH ROW EXECUTE FUNCTION analytics_messages_changed();
--> statement-breakpoint

CREATE FUNCTION analytics_chains_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM analytics_arm_apply(OLD, -1); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM analytics_arm_apply(NEW, 1); END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint

CREATE TRIGGER analytics_chains_rollup
AFTER INSERT OR DELETE OR UPDATE OF campaign_id, campaign_version, segment, arm, variants, currency, started_at,
  orders, revenue_minor, recovered_cart, human_opened, human_clicked
ON chains FOR EACH ROW EXECUTE FUNCTION analytics_chains_changed();
--> statement-breakpoint

-- Recount one message's opens and clicks; re-marking a click as machine recounts too.
CREATE FUNCTION analytics_count_tracking(target uuid) RETURNS void
LANGUAGE sql AS $$
  UPDATE messages m SET
    human_opens = c.human_opens,
    machine_opens = c.machine_opens,
    human_clicks = c.human_clicks,
    machine_clicks = c.machine_clicks,
    first_human_open_at = c.first_human_open_at,
    first_human_click_at = c.first_human_click_at
  FROM (
    SELECT
      count(*) FILTER (WHERE type = 'open' AND NOT machine)::int AS human_opens,
      count(*) FILTER (WHERE type = 'open' AND machine)::int AS machine_opens,
      count(*) FILTER (WHERE type = 'click' AND NOT machine)::int AS human_clicks,
      count(*) FILTER (WHERE type = 'click' AND machine)::int AS machine_clicks,
      min(occurred_at) FILTER (WHERE type = 'open' AND NOT machine) AS first_human_open_at,
      min(occurred_at) FILTER (WHERE type = 'click' AND NOT machine) AS first_human_click_at
    FROM tracking_events WHERE message_id = target
  ) c
  WHERE m.id = target
    AND (m.human_opens, m.machine_opens, m.human_clicks, m.machine_clicks)
      IS DISTINCT FROM (c.human_opens, c.machine_opens, c.human_clicks, c.machine_clicks);
$$;
--> statement-breakpoint

CREATE FUNCTION analytics_tracking_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM analytics_count_tracking(NEW.message_id);
  RETURN NULL;
END $$;
--> statement-breakpoint

CREATE TRIGGER analytics_tracking_counts
AFTER INSERT OR UPDATE OF machine ON tracking_events
FOR EACH ROW EXECUTE FUNCTION analytics_tracking_changed();
--> statement-breakpoint

-- A hard bounce or complaint naming one of our messages marks it (soft bounces may still deliver).
CREATE FUNCTION analytics_delivery_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.type = 'hard_bounce' THEN
    UPDATE messages SET bounced_at = NEW.occurred_at WHERE id = NEW.message_id AND bounced_at IS NULL;
  ELSIF NEW.type = 'complaint' THEN
    UPDATE messages SET complained_at = NEW.occurred_at WHERE id = NEW.message_id AND complained_at IS NULL;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint

CREATE TRIGGER analytics_delivery_events
AFTER INSERT ON delivery_events
FOR EACH ROW WHEN (NEW.message_id IS NOT NULL) EXECUTE FUNCTION analytics_delivery_event();
--> statement-breakpoint

CREATE FUNCTION analytics_unsubscribe_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE messages SET unsubscribed_at = NEW.occurred_at WHERE id = NEW.message_id AND unsubscribed_at IS NULL;
  RETURN NULL;
END $$;
--> statement-breakpoint

CREATE TRIGGER analytics_unsubscribe_events
AFTER INSERT ON unsubscribe_events
FOR EACH ROW EXECUTE FUNCTION analytics_unsubscribe_event();
--> statement-breakpoint

-- Recount the orders attributed to one message (revenue only in the message's currency).
CREATE FUNCTION analytics_count_attributed(target uuid) RETURNS void
LANGUAGE sql AS $$
  UPDATE messages m SET
    attributed_orders = c.orders,
    attributed_revenue_minor = c.revenue_minor,
    recovered_carts = c.recovered
  FROM (
    SELECT
      count(o.*)::int AS orders,
      coalesce(sum(o.total_minor) FILTER (WHERE o.currency = mm.currency), 0)::bigint AS revenue_minor,
      count(o.*) FILTER (WHERE o.cart_id = mm.cart_id)::int AS recovered
    FROM messages mm LEFT JOIN orders o ON o.attributed_message_id = mm.id
    WHERE mm.id = target
  ) c
  WHERE m.id = target;
$$;
--> statement-breakpoint

-- Recount the conversions of the customer's chains whose window holds `placed`.
CREATE FUNCTION analytics_count_chain_orders(shop text, customer bigint, placed timestamptz) RETURNS void
LANGUAGE sql AS $$
  UPDATE chains c SET
    orders = s.orders,
    revenue_minor = s.revenue_minor,
    recovered_cart = s.recovered
  FROM chains c2
  CROSS JOIN LATERAL (
    SELECT
      count(*)::int AS orders,
      coalesce(sum(o.total_minor) FILTER (WHERE o.currency = c2.currency), 0)::bigint AS revenue_minor,
      coalesce(bool_or(o.cart_id = c2.cart_id), false) AS recovered
    FROM orders o
    WHERE o.shop_id = c2.shop_id AND o.customer_id = c2.customer_id
      AND o.placed_at > c2.started_at AND o.placed_at <= c2.conversion_until
  ) s
  WHERE c.workflow_id = c2.workflow_id
    AND c2.shop_id = shop AND c2.customer_id = customer
    AND c2.started_at < placed AND c2.conversion_until >= placed;
$$;
--> statement-breakpoint

CREATE FUNCTION analytics_orders_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    IF OLD.attributed_message_id IS NOT NULL THEN PERFORM analytics_count_attributed(OLD.attributed_message_id); END IF;
    IF OLD.customer_id IS NOT NULL THEN PERFORM analytics_count_chain_orders(OLD.shop_id, OLD.customer_id, OLD.placed_at); END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    IF NEW.attributed_message_id IS NOT NULL THEN PERFORM analytics_count_attributed(NEW.attributed_message_id); END IF;
    IF NEW.customer_id IS NOT NULL THEN PERFORM analytics_count_chain_orders(NEW.shop_id, NEW.customer_id, NEW.placed_at); END IF;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint

CREATE TRIGGER analytics_orders_counts
AFTER INSERT OR DELETE OR UPDATE OF customer_id, cart_id, placed_at, currency, total_minor, attributed_message_id
ON orders FOR EACH ROW EXECUTE FUNCTION analytics_orders_changed();
--> statement-breakpoint

-- Recomputes every counter and rollup from the raw rows: after a bulk load with triggers off
-- (SET session_replication_role = replica), or to check them. Returns nothing; takes locks.
CREATE FUNCTION analytics_rebuild() RETURNS void
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
    sum(machine_clicks), sum(attributed_orders), sum(attributed_revenue_minor), sum(recovered_carts)
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

-- Orders placed before this migration: from the stored order.placed webhooks still held.
INSERT INTO orders (shop_id, order_id, customer_id, cart_id, placed_at, currency, total_minor, discount_codes, items, event_id)
SELECT DISTINCT ON (e.shop_id, e.payload->'data'->>'orderId')
  e.shop_id,
  e.payload->'data'->>'orderId',
  c.customer_id,
  e.cart_id,
  coalesce((e.payload->'data'->>'placedAt')::timestamptz, (e.payload->>'occurredAt')::timestamptz, e.received_at),
  e.payload->'data'->>'currency',
  round((e.payload->'data'->>'total')::numeric * power(10, analytics_currency_digits(e.payload->'data'->>'currency')))::bigint,
  coalesce(e.payload->'data'->'discountCodes', '[]'::jsonb),
  e.payload->'data'->'items',
  e.event_id
FROM cart_events e
LEFT JOIN carts c ON c.shop_id = e.shop_id AND c.cart_id = e.cart_id
WHERE e.type = 'order.placed' AND e.payload->'data'->>'orderId' IS NOT NULL
ORDER BY e.shop_id, e.payload->'data'->>'orderId', e.received_at
ON CONFLICT DO NOTHING;
--> statement-breakpoint

SELECT analytics_rebuild();
--> statement-breakpoint

-- ===== The views (stable names and columns) =====

-- The daily funnel: one row per campaign × version × step × segment × variant × currency × day
-- (UTC day the step ran). Rates are fractions (0.25 = 25 %), null when the denominator is 0.
CREATE VIEW campaign_step_daily AS
SELECT
  shop_id, campaign_id, campaign_version, step, segment, variant, currency, day,
  reached, sent, skipped, failed,
  sent - bounced AS delivered,
  bounced, complained, unsubscribed,
  human_opened AS unique_human_opens,
  machine_opens,
  human_clicked AS unique_human_clicks,
  machine_clicks,
  attributed_orders,
  attributed_revenue_minor,
  recovered_carts,
  round(human_opened::numeric / nullif(sent - bounced, 0), 6) AS human_open_rate,
  round(human_clicked::numeric / nullif(sent - bounced, 0), 6) AS human_click_rate,
  round(attributed_orders::numeric / nullif(sent - bounced, 0), 6) AS order_rate,
  round(unsubscribed::numeric / nullif(sent - bounced, 0), 6) AS unsubscribe_rate,
  round(bounced::numeric / nullif(sent, 0), 6) AS bounce_rate,
  round(attributed_revenue_minor::numeric / nullif(sent, 0), 2) AS revenue_per_recipient_minor
FROM analytics_step_daily;
--> statement-breakpoint

-- Experiment arms per day of entry: every entrant counts, emailed or not (intention to treat).
CREATE VIEW experiment_arms_daily AS
SELECT
  shop_id, campaign_id, campaign_version, segment, experiment, arm, currency, day,
  entered, converted, orders, revenue_minor, revenue_squares_minor, recovered_carts, human_clicked, human_opened,
  round(converted::numeric / nullif(entered, 0), 6) AS conversion_rate,
  round(revenue_minor::numeric / nullif(entered, 0), 2) AS revenue_per_recipient_minor
FROM analytics_arm_daily;
--> statement-breakpoint

-- Every chain a customer entered, with its arms and what came of it.
CREATE VIEW campaign_entries AS
SELECT
  c.shop_id, c.workflow_id, c.campaign_id, c.campaign_version, c.segment, c.trigger, c.customer_id, c.cart_id,
  c.currency, c.started_at AS entered_at, c.arm, c.variants, c.status, c.outcome, c.finished_at, c.conversion_until,
  c.orders, c.revenue_minor, c.orders > 0 AS converted, c.recovered_cart, c.human_opened, c.human_clicked
FROM chains c;
--> statement-breakpoint

-- Every order with the message it is attributed to (last human touch within the window), if any.
CREATE VIEW order_attribution AS
SELECT
  o.shop_id, o.order_id, o.customer_id, o.cart_id, o.placed_at, o.currency, o.total_minor,
  o.total_minor::numeric / power(10, analytics_currency_digits(o.currency)) AS total,
  o.discount_codes,
  o.attributed_message_id AS message_id, o.attribution_touch AS touch, o.attributed_touch_at AS touched_at,
  m.campaign_id, m.campaign_version, m.step, m.segment, m.variant, m.workflow_id,
  (m.id IS NOT NULL AND o.cart_id = m.cart_id) AS recovered_cart
FROM orders o
LEFT JOIN messages m ON m.id = o.attributed_message_id;
