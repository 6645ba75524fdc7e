-- order_attribution.total as an exact decimal in the order's currency (19.90), not a float.
DROP VIEW order_attribution;
--> statement-breakpoint
CREATE VIEW order_attribution AS
SELECT
  o.shop_id, o.order_id, o.customer_id, o.cart_id, o.placed_at, o.currency, o.total_minor,
  round(o.total_minor::numeric / (10::numeric ^ analytics_currency_digits(o.currency)), analytics_currency_digits(o.currency)) AS total,
  o.discount_codes,
  o.attributed_message_id AS message_id, o.attribution_touch AS touch, o.attributed_touch_at AS touched_at,
  m.campaign_id, m.campaign_version, m.step, m.segment, m.variant, m.workflow_id,
  (m.id IS NOT NULL AND o.cart_id = m.cart_id) AS recovered_cart
FROM orders o
LEFT JOIN messages m ON m.id = o.attributed_message_id;
