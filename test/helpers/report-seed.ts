import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import type { Campaign } from '../../domain/campaign';
import { consumerCampaign, welcomeCampaign } from './campaigns';

/**
 * Report data written the way the worker and the webhooks leave it: customers, chains (with their
 * holdout arm and step variants), messages, human tracking events, a few hard bounces and orders
 * (some attributed to the reminder a person clicked). The database triggers of migration 0007
 * keep the counters and the daily rollups the report reads; nothing is written to a rollup here.
 *
 * consumer v3 (holdout 20 %, step `reminder` tests `control` against `urgent`), 600 entrants over
 * three days:
 *   holdout 120 entrants, 12 ordered · emailed 480, 96 ordered
 *   reminder · control 240 sent, 6 bounced, 120 opened, 60 clicked, 24 ordered (all attributed)
 *   reminder · urgent  240 sent, 6 bounced, 120 opened, 60 clicked, 72 ordered (60 attributed)
 *   incentive 100 sent (50 per variant, none of them bought), and on 2026-03-03 7 unconfirmed
 *     (an attempt died mid-send and the step was not sent again), 3 of them opened by a person
 * welcome v1 (step `welcome` tests `plain` against `illustrated`, planned 1 : 1): 150 and 90
 * entrants, a sample-ratio mismatch.
 */
export const SEEDED_RANGE = { since: '2026-03-02', until: '2026-03-04' } as const;
const DAYS = ['2026-03-02', '2026-03-03', '2026-03-04'];
const ORDER_MINOR = 5000;
const HOUR_MS = 3_600_000;

export const seededCampaigns: Campaign[] = [
  consumerCampaign({
    experiment: { holdout: 20, metric: 'orders' },
    steps: [
      {
        id: 'reminder',
        delay: '1h',
        template: 'cart-reminder',
        variants: [{ id: 'control' }, { id: 'urgent', delay: '30m' }],
      },
      { id: 'incentive', delay: '23h', template: 'cart-reminder' },
      { id: 'last-chance', delay: '48h', template: 'cart-reminder' },
    ],
  }),
  // An older version without experiments: reports judge each chain by the version it entered.
  consumerCampaign({ version: 2 }),
  welcomeCampaign({
    steps: [
      {
        id: 'welcome',
        delay: '0m',
        template: 'cart-reminder',
        variants: [{ id: 'plain' }, { id: 'illustrated' }],
      },
    ],
  }),
];

interface Entrant {
  index: number;
  campaign: 'consumer' | 'welcome';
  arm: 'holdout' | 'treated' | null;
  variant: string | null;
  /** Position within its arm (holdout, control, urgent, plain, illustrated). */
  rank: number;
  startedAt: Date;
}

function entrants(): Entrant[] {
  const ranks = new Map<string, number>();
  const rankIn = (arm: string) => {
    const rank = ranks.get(arm) ?? 0;
    ranks.set(arm, rank + 1);
    return rank;
  };
  const consumer = Array.from({ length: 600 }, (_, index): Entrant => {
    const holdout = index % 5 === 0;
    const variant = holdout ? null : index % 2 === 0 ? 'control' : 'urgent';
    const startedAt = new Date(Date.parse(`${DAYS[index % 3]}T10:00:00Z`) + index * 1000);
    return {
      index,
      campaign: 'consumer',
      arm: holdout ? 'holdout' : 'treated',
      variant,
      rank: rankIn(variant ?? 'holdout'),
      startedAt,
    };
  });
  const welcome = Array.from({ length: 240 }, (_, offset): Entrant => {
    const variant = offset < 150 ? 'plain' : 'illustrated';
    return {
      index: 600 + offset,
      campaign: 'welcome',
      arm: null,
      variant,
      rank: rankIn(variant),
      startedAt: new Date(Date.parse(`${DAYS[1]}T08:00:00Z`) + offset * 1000),
    };
  });
  return [...consumer, ...welcome];
}

const CONVERSIONS: Record<string, number> = { holdout: 12, control: 24, urgent: 72 };
// Seven treated entrants of 2026-03-03 (ranks 150-158, past every conversion and click).
const unconfirmedIncentive = (entrant: Entrant) =>
  entrant.arm === 'treated' && entrant.rank >= 150 && entrant.rank < 160 && entrant.index % 3 === 1;
const converts = (entrant: Entrant) => entrant.rank < (CONVERSIONS[entrant.variant ?? entrant.arm ?? ''] ?? 0);

export async function seedReportData(sql: postgres.Sql, shopId: string): Promise<void> {
  const all = entrants();
  const customers = await sql<Array<{ id: string; email: string }>>`insert into customers ${sql(
    all.map((entrant) => ({ shop_id: shopId, email: `entrant-${entrant.index}@example.com`, marketing_consent: true })),
  )} returning id, email`;
  const customerOf = new Map(customers.map((row) => [row.email, Number(row.id)]));
  const rows = all.map((entrant) => ({
    entrant,
    customerId: customerOf.get(`entrant-${entrant.index}@example.com`) as number,
    cartId: `${entrant.campaign}-cart-${entrant.index}`,
    workflowId: `seed:${shopId}:${entrant.index}`,
  }));

  await sql`insert into chains ${sql(
    rows.map(({ entrant, customerId, cartId, workflowId }) => ({
      workflow_id: workflowId,
      shop_id: shopId,
      customer_id: customerId,
      cart_id: entrant.campaign === 'consumer' ? cartId : null,
      trigger: entrant.campaign === 'consumer' ? 'cart.abandoned' : 'customer.created',
      campaign_id: entrant.campaign,
      campaign_version: entrant.campaign === 'consumer' ? 3 : 1,
      segment: 'everyone',
      status: 'finished',
      started_at: entrant.startedAt,
      arm: entrant.arm,
      variants: sql.json(
        entrant.variant === null ? {} : { [entrant.campaign === 'consumer' ? 'reminder' : 'welcome']: entrant.variant },
      ),
      currency: 'EUR',
      conversion_until: new Date(entrant.startedAt.getTime() + 7 * 24 * HOUR_MS),
    })),
  )}`;

  const messages: Array<Record<string, unknown>> = [];
  const touches: Array<Record<string, unknown>> = [];
  const orders: Array<Record<string, unknown>> = [];
  for (const { entrant, customerId, cartId, workflowId } of rows) {
    const message = (
      step: string,
      variant: string | null,
      status: 'sent' | 'skipped' | 'unconfirmed',
      hours: number,
    ) => {
      const id = randomUUID();
      const key = `${workflowId}:${step}`;
      messages.push({
        id,
        key,
        shop_id: shopId,
        cart_id: cartId,
        customer_id: customerId,
        step,
        template_id: 'cart-reminder',
        template_version: 'seed',
        campaign_id: entrant.campaign,
        campaign_version: entrant.campaign === 'consumer' ? 3 : 1,
        segment: 'everyone',
        workflow_id: workflowId,
        variant,
        currency: 'EUR',
        status,
        reason: status === 'skipped' ? 'holdout' : status === 'unconfirmed' ? 'expired' : null,
        message_id_header: `<${key}@mail.example.com>`,
        created_at: new Date(entrant.startedAt.getTime() + hours * HOUR_MS),
        sent_at: status === 'sent' ? new Date(entrant.startedAt.getTime() + hours * HOUR_MS) : null,
        bounced_at:
          status === 'sent' && entrant.rank >= 234 ? new Date(entrant.startedAt.getTime() + 2 * HOUR_MS) : null,
      });
      return id;
    };
    const touch = (messageId: string, type: 'open' | 'click', hours: number) =>
      touches.push({
        shop_id: shopId,
        message_id: messageId,
        type,
        link_index: type === 'click' ? 0 : null,
        occurred_at: new Date(entrant.startedAt.getTime() + hours * HOUR_MS),
        user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0',
        ip_prefix: '198.51.100.0/24',
        machine: false,
      });

    let clicked: string | null = null;
    if (entrant.campaign === 'welcome') {
      message('welcome', entrant.variant, 'sent', 0);
    } else if (entrant.arm === 'holdout') {
      message('reminder', 'holdout', 'skipped', 1);
    } else {
      const reminder = message('reminder', entrant.variant, 'sent', 1);
      if (entrant.rank < 120) touch(reminder, 'open', 1.5);
      if (entrant.rank < 60) {
        touch(reminder, 'click', 1.6);
        clicked = reminder;
      }
      if (entrant.rank >= 100 && entrant.rank < 150) message('incentive', null, 'sent', 2);
      if (unconfirmedIncentive(entrant)) {
        const incentive = message('incentive', null, 'unconfirmed', 2);
        if (entrant.rank < 155) touch(incentive, 'open', 2.5);
      }
    }
    if (converts(entrant)) {
      orders.push({
        shop_id: shopId,
        order_id: `order-${entrant.index}`,
        customer_id: customerId,
        cart_id: cartId,
        placed_at: new Date(entrant.startedAt.getTime() + 3 * HOUR_MS),
        currency: 'EUR',
        total_minor: ORDER_MINOR,
        event_id: `evt-order-${entrant.index}`,
        attributed_message_id: clicked,
        attribution_touch: clicked ? 'click' : null,
        attributed_touch_at: clicked ? new Date(entrant.startedAt.getTime() + 1.6 * HOUR_MS) : null,
      });
    }
  }
  await sql`insert into messages ${sql(messages)}`;
  await sql`insert into tracking_events ${sql(touches)}`;
  await sql`insert into orders ${sql(orders)}`;
}
