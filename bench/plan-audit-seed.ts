import type postgres from 'postgres';

/**
 * What bench/report-seed.ts leaves out and intake reads: a cart per chain (one in ten bought),
 * three stored webhooks per chain with their delivered outbox rows, and a discount code for half
 * the chains. Loaded as report-seed loads (triggers off), then counted by analytics_rebuild() and
 * analysed.
 */
export async function seedIntakeTables(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`set session_replication_role = replica`);
  await sql.unsafe(`
    insert into carts (shop_id, cart_id, customer_id, status, currency, total, snapshot, snapshot_updated_at)
    select shop_id, cart_id, customer_id, case when abs(hashtext(cart_id || 'bought')) % 10 = 0 then 'purchased' else 'open' end,
           currency, 100, '{}'::jsonb, started_at
      from chains`);
  await sql.unsafe(`
    insert into cart_events (shop_id, event_id, type, cart_id, payload, payload_hash, processed_at)
    select c.shop_id, 'evt-' || c.cart_id || '-' || k, (array['customer.created', 'cart.updated', 'order.placed'])[k],
           c.cart_id, jsonb_build_object('data', jsonb_build_object('customer', jsonb_build_object('email', u.email))),
           md5(c.cart_id || k), c.started_at
      from chains c join customers u on u.id = c.customer_id cross join generate_series(1, 3) k`);
  await sql.unsafe(`
    insert into outbox (shop_id, event_id, cart_id, event, delivered_at)
    select shop_id, event_id, cart_id, '{}'::jsonb, processed_at from cart_events`);
  await sql.unsafe(`
    insert into discount_codes (key, shop_id, code, cart_id, customer_id, type, value, expires_at, source)
    select 'key-' || cart_id, shop_id, 'CODE-' || md5(cart_id), cart_id, customer_id, 'percent', 10,
           started_at + interval '3 days', 'builtin'
      from chains where abs(hashtext(cart_id || 'code')) % 2 = 0`);
  await sql.unsafe(`set session_replication_role = origin`);
  await sql.unsafe(`select analytics_rebuild()`);
  await sql.unsafe(`vacuum analyze`);
}
