import type postgres from 'postgres';

// The data set of bench/report.ts, generated inside Postgres (INSERT … SELECT generate_series) with
// the triggers off, then counted by analytics_rebuild(). Every "random" choice is bench_u(i, salt):
// a hash of the row number and a salt, so the same sizes and seed give the same rows on any run.

export interface SeedSize {
  messages: number;
  trackingEvents: number;
  chains: number;
  customers: number;
  orders: number;
  seed: number;
}

export function seedSize(messages: number, seed: number): SeedSize {
  return {
    messages,
    trackingEvents: messages * 5,
    chains: Math.round(messages * 0.33),
    customers: Math.round(messages * 0.05),
    orders: Math.round(messages * 0.04),
    seed,
  };
}

export const shopId = 'bench';
/** Chains start on 90 days from here (UTC); their emails run up to 5 days later. */
export const firstDay = '2026-08-01';
export const days = 90;

interface CampaignVersion {
  campaign_id: string;
  version: number;
  /** The campaign's share of chains (the same on each of its versions). */
  share: number;
  from_day: number;
  to_day: number;
  steps: string[];
  holdout: boolean;
  variant_step: string | null;
  arms: string[] | null;
}

const all = { from_day: 0, to_day: days };
const firstHalf = { from_day: 0, to_day: 45 };
const secondHalf = { from_day: 45, to_day: days };

/** 6 campaigns, 9 versions: a version 2 takes over half-way, with its own experiment. */
const campaigns: CampaignVersion[] = [
  {
    campaign_id: 'cart-recovery',
    version: 1,
    share: 0.4,
    ...firstHalf,
    steps: ['reminder', 'social-proof', 'incentive', 'last-chance'],
    holdout: true,
    variant_step: 'incentive',
    arms: ['10-percent', 'free-shipping'],
  },
  {
    campaign_id: 'cart-recovery',
    version: 2,
    share: 0.4,
    ...secondHalf,
    steps: ['reminder', 'social-proof', 'incentive', 'last-chance'],
    holdout: true,
    variant_step: 'reminder',
    arms: ['plain', 'urgency', 'bestsellers'],
  },
  {
    campaign_id: 'browse-abandon',
    version: 1,
    share: 0.2,
    ...all,
    steps: ['nudge', 'reminder', 'picks'],
    holdout: false,
    variant_step: null,
    arms: null,
  },
  {
    campaign_id: 'b2b-quote',
    version: 1,
    share: 0.05,
    ...all,
    steps: ['manager-alert', 'follow-up', 'last-call'],
    holdout: false,
    variant_step: 'follow-up',
    arms: ['a', 'b'],
  },
  {
    campaign_id: 'winback',
    version: 1,
    share: 0.15,
    ...firstHalf,
    steps: ['we-miss-you', 'offer', 'last-call'],
    holdout: false,
    variant_step: null,
    arms: null,
  },
  {
    campaign_id: 'winback',
    version: 2,
    share: 0.15,
    ...secondHalf,
    steps: ['we-miss-you', 'offer', 'last-call'],
    holdout: true,
    variant_step: 'offer',
    arms: ['15-percent', 'gift'],
  },
  {
    campaign_id: 'post-purchase',
    version: 1,
    share: 0.1,
    ...all,
    steps: ['thank-you', 'review', 'cross-sell'],
    holdout: false,
    variant_step: null,
    arms: null,
  },
  {
    campaign_id: 'vip-cart',
    version: 1,
    share: 0.1,
    ...firstHalf,
    steps: ['reminder', 'concierge', 'last-chance', 'final'],
    holdout: true,
    variant_step: null,
    arms: null,
  },
  {
    campaign_id: 'vip-cart',
    version: 2,
    share: 0.1,
    ...secondHalf,
    steps: ['reminder', 'concierge', 'last-chance', 'final'],
    holdout: true,
    variant_step: 'concierge',
    arms: ['call', 'email'],
  },
];

/** Runs on one connection (`max: 1`): the session setting must hold for every statement. */
export async function seed(sql: postgres.Sql, size: SeedSize, progress: (line: string) => void): Promise<void> {
  const s = size.seed * 1000;
  const step = async (label: string, query: string) => {
    const start = performance.now();
    const result = await sql.unsafe(query);
    progress(`  ${label}: ${result.count} rows, ${((performance.now() - start) / 1000).toFixed(1)} s`);
  };
  await sql.unsafe(`set session_replication_role = replica`); // no triggers, no FK checks while loading
  await sql.unsafe(`set work_mem = '256MB'`);
  await sql.unsafe(`
    create function bench_u(i bigint, salt integer) returns float8 language sql immutable parallel safe as
    $$ select ((hashint8extended(i, salt) >> 11) & 4503599627370495)::float8 / 4503599627370496.0 $$`);
  await sql.unsafe(
    `create unlogged table bench_versions as
    select * from jsonb_to_recordset($1::text::jsonb) as x(campaign_id text, version int, share float8, from_day int,
      to_day int, steps text[], holdout bool, variant_step text, arms text[])`,
    [JSON.stringify(campaigns)],
  );
  // Versions that run at the same time share [lo, hi) of one draw by their campaign's share.
  await sql.unsafe(`create unlogged table bench_campaign_pick as
    select v.*, coalesce(sum(share) over w - share, 0) as lo, sum(share) over w as hi
    from (select distinct on (campaign_id) campaign_id, share from bench_versions order by campaign_id) v
    window w as (order by campaign_id)`);
  const total = `(select sum(share) from bench_campaign_pick)`;

  await step(
    'customers',
    `insert into customers (id, shop_id, external_id, email, name, locale, time_zone, marketing_consent, created_at)
    select i, '${shopId}', 'cust-' || i, 'customer-' || i || '@example.test', null,
      case when bench_u(i, ${s + 1}) < 0.8 then 'en' else 'ru' end, 'Europe/Berlin', true, timestamptz '${firstDay}' - interval '30 days'
    from generate_series(1, ${size.customers}) i`,
  );
  await sql.unsafe(`select setval(pg_get_serial_sequence('customers', 'id'), ${size.customers})`);

  const offsets = `array[interval '1 hour', interval '1 day', interval '3 days', interval '5 days']`;
  await step(
    'chain plan',
    `create unlogged table bench_chain as
    with base as (
      select i, bench_u(i, ${s + 2}) * ${total} as pick, floor(bench_u(i, ${s + 3}) * ${days})::int as day from generate_series(1, ${size.chains}) i
    ), planned as (
      select b.i, v.*, timestamptz '${firstDay} 00:00:00+00' + b.day * interval '1 day' + bench_u(b.i, ${s + 4}) * interval '1 day' as started_at,
        case when not v.holdout then null when bench_u(b.i, ${s + 5}) < 0.1 then 'holdout' else 'treated' end as arm,
        case when v.variant_step is null then '{}'::jsonb
          else jsonb_build_object(v.variant_step, v.arms[1 + floor(bench_u(b.i, ${s + 6}) * cardinality(v.arms))::int]) end as variants,
        case when bench_u(b.i, ${s + 7}) < 0.85 then 'EUR' else 'USD' end as currency,
        1 + floor(bench_u(b.i, ${s + 8}) * ${size.customers})::bigint as customer_id,
        (array['everyone', 'new-customers', 'returning'])[1 + floor(bench_u(b.i, ${s + 9}) * 3)::int] as segment
      from base b
      join bench_campaign_pick p on b.pick >= p.lo and b.pick < p.hi
      join bench_versions v on v.campaign_id = p.campaign_id and b.day >= v.from_day and b.day < v.to_day
    )
    select *,
      case when arm = 'holdout' then 0 when bench_u(i, ${s + 10}) < 0.8 then cardinality(steps)
        else 1 + floor(bench_u(i, ${s + 11}) * cardinality(steps))::int end as emails,
      started_at + (${offsets})[cardinality(steps)] + interval '5 days' as conversion_until
    from planned`,
  );
  await sql.unsafe(`alter table bench_chain add column first_message bigint`);
  await sql.unsafe(`update bench_chain c set first_message = f.first from
    (select i, sum(emails) over (order by i) - emails + 1 as first from bench_chain) f where f.i = c.i`);
  await sql.unsafe(`create index on bench_chain (i)`);

  const end = `timestamptz '${firstDay} 00:00:00+00' + interval '${days} days'`;
  await step(
    'chains',
    `insert into chains (workflow_id, shop_id, customer_id, cart_id, trigger, campaign_id, campaign_version, segment,
      status, outcome, started_at, finished_at, arm, variants, currency, conversion_until)
    select 'cart:${shopId}:' || i, '${shopId}', customer_id, 'cart-' || i, 'cart.abandoned', campaign_id, version, segment,
      case when conversion_until < ${end} then 'finished' else 'active' end,
      case when conversion_until < ${end} then 'completed' end, started_at,
      case when conversion_until < ${end} then conversion_until end, arm, variants, currency, conversion_until
    from bench_chain`,
  );

  await step(
    'messages',
    `insert into messages (id, key, shop_id, cart_id, customer_id, recipient, step, template_id, template_version,
      locale, campaign_id, campaign_version, kind, segment, workflow_id, variant, currency, attribution_window_seconds,
      attribution_touch, status, message_id_header, reason, created_at, claimed_at, sent_at)
    select md5('m' || j)::uuid, 'bench-m-' || j, '${shopId}', 'cart-' || c.i, c.customer_id, 'customer-' || c.customer_id || '@example.test',
      c.steps[k + 1], 'cart-reminder', 'v1', 'en', c.campaign_id, c.version, 'marketing', c.segment, 'cart:${shopId}:' || c.i,
      c.variants ->> c.steps[k + 1], c.currency, 432000, case when c.campaign_id = 'post-purchase' then 'open' else 'click' end,
      st.status, '<bench-m-' || j || '@cartflow>', case when st.status <> 'sent' then 'bench' end,
      c.started_at + (${offsets})[k + 1], c.started_at + (${offsets})[k + 1],
      case when st.status = 'sent' then c.started_at + (${offsets})[k + 1] + interval '2 seconds' end
    from bench_chain c
    cross join lateral generate_series(0, c.emails - 1) k
    cross join lateral (select c.first_message + k as j) jj
    -- About 3 in 10,000 unconfirmed (an attempt that died mid-send, not sent again): what kill -9 under load showed.
    cross join lateral (select case when bench_u(j, ${s + 20}) < 0.92 then 'sent' when bench_u(j, ${s + 20}) < 0.9203 then 'unconfirmed'
      when bench_u(j, ${s + 20}) < 0.97 then 'skipped' else 'failed' end as status) st
    where j <= ${size.messages}`,
  );

  // The emails people (or their mail servers' robots) touched: 45 % of those sent. A third of them
  // only ever see machine events (Apple Mail privacy, link scanners).
  await step(
    'touched plan',
    `create unlogged table bench_touched as
    select row_number() over (order by j) as r, j, id, created_at,
      bench_u(j, ${s + 31}) < 0.33 as robot, bench_u(j, ${s + 32}) < 0.4 as clicker
    from (select substr(key, 9)::bigint as j, id, created_at from messages where status = 'sent') m
    where bench_u(j, ${s + 30}) < 0.45`,
  );
  await sql.unsafe(`create index on bench_touched (r)`);
  await step(
    'tracking_events',
    `insert into tracking_events (shop_id, message_id, type, link_index, occurred_at, user_agent, ip_prefix, machine, machine_reason)
    select '${shopId}', t.id, e.type, case when e.type = 'click' then floor(bench_u(n, ${s + 44}) * 4)::int end,
      t.created_at + interval '10 seconds' + bench_u(n, ${s + 45}) * interval '72 hours',
      case when e.machine then 'Mozilla/5.0 (bench robot)' else 'Mozilla/5.0 (bench person)' end,
      '203.0.' || (n % 250) || '.0/24', e.machine,
      case when not e.machine then null when e.type = 'open' then 'apple_privacy_proxy' else 'link_scanner' end
    from generate_series(1, ${size.trackingEvents}) n
    join bench_touched t on t.r = 1 + floor(bench_u(n, ${s + 41}) * (select count(*) from bench_touched))::bigint
    cross join lateral (select
      case when t.robot then (case when bench_u(n, ${s + 42}) < 0.95 then 'open' else 'click' end)
        when t.clicker and bench_u(n, ${s + 42}) < 0.3 then 'click' else 'open' end as type,
      t.robot or bench_u(n, ${s + 43}) < 0.08 as machine) e`,
  );

  await step(
    'delivery_events',
    `insert into delivery_events (shop_id, email, type, message_id, source, provider_event_id, detail, occurred_at)
    select '${shopId}', m.recipient, d.type, m.id, 'sendgrid', 'sg-' || j, null, m.created_at + interval '5 minutes'
    from (select substr(key, 9)::bigint as j, * from messages where status = 'sent') m
    cross join lateral (select case when bench_u(j, ${s + 50}) < 0.015 then 'hard_bounce' when bench_u(j, ${s + 50}) < 0.016 then 'complaint'
      when bench_u(j, ${s + 50}) < 0.026 then 'soft_bounce' end as type) d
    where d.type is not null
    union all
    select '${shopId}', 'someone-' || n || '@example.test', 'hard_bounce', null, 'smtp', 'smtp-' || n, null,
      timestamptz '${firstDay}' + bench_u(n, ${s + 51}) * interval '${days} days'
    from generate_series(1, ${Math.round(size.messages / 500)}) n`,
  );
  // The same bounce or complaint again a day later for some emails: each email counts once.
  await step(
    'delivery_events (repeats)',
    `insert into delivery_events (shop_id, email, type, message_id, source, provider_event_id, occurred_at)
    select shop_id, email, type, message_id, 'sendgrid', provider_event_id || '-again', occurred_at + interval '1 day'
    from delivery_events where message_id is not null and type <> 'soft_bounce' and bench_u(id, ${s + 52}) < 0.1`,
  );

  await step(
    'unsubscribe_events',
    `insert into unsubscribe_events (shop_id, message_id, scope, occurred_at)
    select '${shopId}', m.id, case when bench_u(j, ${s + 61}) < 0.7 then 'all' else 'category' end, m.created_at + interval '1 hour' * (1 + r)
    from (select substr(key, 9)::bigint as j, * from messages where status = 'sent') m
    cross join generate_series(0, 1) r
    where bench_u(j, ${s + 60}) < 0.004 and (r = 0 or bench_u(j, ${s + 62}) < 0.1)`,
  );

  // Two thirds of the orders follow a chain (the chain's customer, inside or just past its window,
  // mostly the same cart and currency); a share of those is attributed to the chain's first email.
  // The rest are orders of any customer on any day, some without a customer.
  await step(
    'orders',
    `insert into orders (shop_id, order_id, customer_id, cart_id, placed_at, currency, total_minor, discount_codes,
      event_id, attributed_message_id, attribution_touch, attributed_touch_at, created_at)
    select '${shopId}', 'bench-o-' || n, o.customer_id, o.cart_id, o.placed_at, o.currency, o.total_minor, '[]'::jsonb,
      'evt-o-' || n, m.id, case when m.id is not null then 'click' end, case when m.id is not null then m.created_at + interval '1 minute' end,
      o.placed_at
    from generate_series(1, ${size.orders}) n
    cross join lateral (select 1 + floor(bench_u(n, ${s + 70}) * ${size.chains})::bigint as chain, bench_u(n, ${s + 71}) < 0.65 as follows) p
    join bench_chain c on c.i = p.chain
    cross join lateral (select
      case when not p.follows then (case when bench_u(n, ${s + 72}) < 0.03 then null else 1 + floor(bench_u(n, ${s + 73}) * ${size.customers})::bigint end)
        else c.customer_id end as customer_id,
      case when p.follows and bench_u(n, ${s + 74}) < 0.7 then 'cart-' || c.i else 'cart-shop-' || n end as cart_id,
      case when p.follows then c.started_at + bench_u(n, ${s + 75}) * 1.2 * (c.conversion_until - c.started_at)
        else timestamptz '${firstDay}' + bench_u(n, ${s + 75}) * interval '${days + 5} days' end as placed_at,
      case when (bench_u(n, ${s + 76}) < 0.95) = (c.currency = 'EUR') then 'EUR' else 'USD' end as currency,
      500 + floor(bench_u(n, ${s + 77}) * 30000)::bigint as total_minor) o
    left join messages m on p.follows and c.emails > 0 and bench_u(n, ${s + 78}) < 0.6
      and m.id = md5('m' || c.first_message)::uuid and m.status = 'sent' and m.created_at < o.placed_at`,
  );

  await sql.unsafe(`reset session_replication_role`);
  await sql.unsafe(`drop table bench_versions, bench_campaign_pick, bench_chain, bench_touched`);
  await sql.unsafe(`drop function bench_u`);
}
