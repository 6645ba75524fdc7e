-- The order as the shop and its customer name it (Shopify's "#1001", an order.placed's orderName):
-- emails and privacy exports show it; order_id, Shopify's internal 64-bit id, stays the key. Orders
-- stored before this have none (NULL) and are shown by their id, as before.
ALTER TABLE "orders" ADD COLUMN "order_name" text;--> statement-breakpoint
-- Analysts' order_attribution gains it as its last column (the columns before it stay as they are).
CREATE OR REPLACE VIEW order_attribution AS
SELECT
  o.shop_id, o.order_id, o.customer_id, o.cart_id, o.placed_at, o.currency, o.total_minor,
  round(o.total_minor::numeric / (10::numeric ^ analytics_currency_digits(o.currency)), analytics_currency_digits(o.currency)) AS total,
  o.discount_codes,
  o.attributed_message_id AS message_id, o.attribution_touch AS touch, o.attributed_touch_at AS touched_at,
  m.campaign_id, m.campaign_version, m.step, m.segment, m.variant, m.workflow_id,
  (m.id IS NOT NULL AND o.cart_id = m.cart_id) AS recovered_cart,
  o.order_name
FROM orders o
LEFT JOIN messages m ON m.id = o.attributed_message_id;
