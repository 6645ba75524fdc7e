import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCartEvent } from '../../db/cart-store';
import { recordChainStart } from '../../db/chain-store';
import { claimSend, recordFailed, recordSent, recordNotSent } from '../../db/message-store';
import { recordUnsubscribeEvent } from '../../db/preference-store';
import { deliveryEvents } from '../../db/schema';
import { insertClick, insertOpen, type NewTrackingEvent } from '../../db/tracking-store';
import { CartEvent, CartUpdatedEvent } from '../../domain/events';
import { mulberry32 } from '../../domain/statistics';
import { cartUpdatedEvent } from '../helpers/cart-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

// A seeded data set written through the real stores (the triggers keep the counters), and the
// views' numbers compared with counts this test makes from its own plan of what happened.
const shopId = 'shop-views';
const STEPS = ['reminder', 'incentive', 'last-chance'] as const;
const CAMPAIGNS = [
  { id: 'alpha', version: 2, holdout: true, variantStep: 'incentive' },
  { id: 'beta', version: 1, holdout: false, variantStep: undefined },
] as const;
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

interface PlannedMessage {
  key: string;
  step: string;
  variant: string | null;
  /** `unconfirmed`: an attempt claimed it and died, and the retry did not send it again. */
  status: 'sent' | 'skipped' | 'failed' | 'unconfirmed';
  humanOpens: number;
  machineOpens: number;
  humanClicks: number;
  machineClicks: number;
  bounced: boolean;
  complained: boolean;
  unsubscribed: boolean;
}

interface PlannedOrder {
  forChainCart: boolean;
  currency: string;
  totalMinor: number;
}

interface PlannedChain {
  campaignId: string;
  version: number;
  currency: string;
  arm: 'holdout' | 'treated' | null;
  variants: Record<string, string>;
  messages: PlannedMessage[];
  orders: PlannedOrder[];
  /** The message the last order should be attributed to: the last one a person clicked. */
  attributedTo: number | null;
}

function plan(seed: number, count: number): PlannedChain[] {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number) => random() < p;
  return Array.from({ length: count }, () => {
    const campaign = pick(CAMPAIGNS);
    const arm = campaign.holdout ? (chance(0.3) ? 'holdout' : 'treated') : null;
    const variants: Record<string, string> =
      campaign.variantStep && arm !== 'holdout' ? { [campaign.variantStep]: pick(['control', 'free-shipping']) } : {};
    const currency = chance(0.8) ? 'EUR' : 'USD';
    const messages = STEPS.slice(0, 1 + Math.floor(random() * 3)).map((step): PlannedMessage => {
      const status =
        arm === 'holdout' ? 'skipped' : chance(0.8) ? 'sent' : pick(['skipped', 'failed', 'unconfirmed'] as const);
      // An unconfirmed email may have arrived: it can be opened, clicked, bounced like a sent one.
      const sent = status === 'sent' || status === 'unconfirmed';
      return {
        key: `views:${randomUUID()}`,
        step,
        variant: arm === 'holdout' ? 'holdout' : (variants[step] ?? null),
        status,
        humanOpens: sent && chance(0.4) ? 1 + Math.floor(random() * 3) : 0,
        machineOpens: sent && chance(0.5) ? 1 : 0,
        humanClicks: sent && chance(0.25) ? 1 + Math.floor(random() * 2) : 0,
        machineClicks: sent && chance(0.2) ? 1 : 0,
        bounced: sent && chance(0.05),
        complained: sent && chance(0.03),
        unsubscribed: sent && chance(0.05),
      };
    });
    const orders = Array.from({ length: chance(0.35) ? 1 + Math.floor(random() * 2) : 0 }, () => ({
      forChainCart: chance(0.6),
      currency: chance(0.85) ? currency : currency === 'EUR' ? 'USD' : 'EUR',
      totalMinor: 500 + Math.floor(random() * 20_000),
    }));
    const clicked = messages.map((message, index) => (message.humanClicks > 0 ? index : -1)).filter((i) => i >= 0);
    return {
      campaignId: campaign.id,
      version: campaign.version,
      currency,
      arm,
      variants,
      messages,
      orders,
      attributedTo: orders.length > 0 ? (clicked.at(-1) ?? null) : null,
    };
  });
}

const base = Date.now();
// Touches in the hours before the orders, which are placed an hour after the test starts.
const at = (seconds: number) => new Date(base - 4 * 3_600_000 + seconds * 1000);

/** Writes one planned chain the way cartflow does: webhook, chain entry, sends, touches, orders. */
async function write(chain: PlannedChain, index: number) {
  const email = `v${index}-${randomUUID().slice(0, 6)}@example.com`;
  const cart = CartUpdatedEvent.parse(cartUpdatedEvent({ customer: { email } }));
  const cartData = { ...cart.data, currency: chain.currency };
  await storeCartEvent(database.db, { shopId, event: { ...cart, data: cartData }, payload: cart });
  const [customer] = await database.sql`select id from customers where email = ${email}`;
  const customerId = Number(customer?.id);
  const workflowId = `cart:${shopId}:${cartData.id}`;
  const common = { shopId, cartId: cartData.id, customerId, workflowId, currency: chain.currency };
  await recordChainStart(database.db, {
    workflowId,
    shopId,
    customerId,
    cartId: cartData.id,
    trigger: 'cart.abandoned',
    campaignId: chain.campaignId,
    campaignVersion: chain.version,
    segment: chain.campaignId,
    arm: chain.arm,
    variants: chain.variants,
    currency: chain.currency,
    conversionUntil: new Date(base + 10 * 86_400_000),
  });
  let clock = index * 100;
  const ids: string[] = [];
  for (const message of chain.messages) {
    const columns = {
      ...common,
      key: message.key,
      step: message.step,
      templateId: 'cart-reminder',
      campaignId: chain.campaignId,
      campaignVersion: chain.version,
      segment: chain.campaignId,
      variant: message.variant,
      attributionWindowSeconds: 5 * 86_400,
      attributionTouch: 'click' as const,
    };
    if (message.status === 'skipped') {
      await recordNotSent(database.db, { ...columns, reason: 'frequency_cap' });
      ids.push('');
      continue;
    }
    const id = randomUUID();
    ids.push(id);
    await claimSend(database.db, { ...columns, id, templateVersion: 'v', messageIdHeader: `<${id}@x>` });
    if (message.status === 'failed') {
      await recordFailed(database.db, { key: message.key, reason: '550 no such user' });
      continue;
    }
    // The attempt that claimed it died; its retry found the customer had bought meanwhile.
    if (message.status === 'unconfirmed') await recordNotSent(database.db, { ...columns, reason: 'purchased' });
    else await recordSent(database.db, { key: message.key, smtpResponse: '250 ok' });
    const event = (type: 'open' | 'click', machine: boolean): NewTrackingEvent => ({
      shopId,
      messageId: id,
      type,
      linkIndex: type === 'click' ? 0 : null,
      occurredAt: at((clock += 1)),
      userAgent: null,
      ipPrefix: null,
      machine,
      machineReason: machine ? 'bot_user_agent' : null,
    });
    const click = (machine: boolean) =>
      insertClick(database.db, { messageId: id, since: at(0) }, () => ({
        event: event('click', machine),
        markMachine: [],
        reason: 'link_scanner_burst',
      }));
    for (let i = 0; i < message.humanOpens; i++) await insertOpen(database.db, event('open', false));
    for (let i = 0; i < message.machineOpens; i++) await insertOpen(database.db, event('open', true));
    for (let i = 0; i < message.humanClicks; i++) await click(false);
    for (let i = 0; i < message.machineClicks; i++) await click(true);
    const delivery = (type: 'hard_bounce' | 'complaint') =>
      database.db
        .insert(deliveryEvents)
        .values({ shopId, email, type, messageId: id, source: 'test', occurredAt: at(clock) });
    if (message.bounced) await delivery('hard_bounce');
    if (message.complained) await delivery('complaint');
    if (message.unsubscribed) await recordUnsubscribeEvent(database.db, { shopId, messageId: id, scope: 'all' });
  }
  for (const order of chain.orders) {
    const total = (order.totalMinor / 100).toFixed(2);
    const event = CartEvent.parse({
      id: `evt-${randomUUID()}`,
      type: 'order.placed',
      data: {
        cartId: order.forChainCart ? cartData.id : `other-${randomUUID().slice(0, 6)}`,
        orderId: `o-${randomUUID().slice(0, 8)}`,
        total,
        currency: order.currency,
        placedAt: new Date(base + 3_600_000).toISOString(),
        customer: { email, marketingConsent: true },
      },
    });
    await storeCartEvent(database.db, { shopId, event, payload: event });
  }
  return ids;
}

/** The funnel this test expects, from its plan alone. */
function expectedFunnel(chains: PlannedChain[]) {
  const rows = new Map<string, Record<string, number>>();
  for (const chain of chains) {
    chain.messages.forEach((message, index) => {
      const key = [chain.campaignId, chain.version, message.step, message.variant ?? '', chain.currency].join('|');
      const row = rows.get(key) ?? {
        reached: 0,
        sent: 0,
        skipped: 0,
        failed: 0,
        bounced: 0,
        complained: 0,
        unsubscribed: 0,
        unique_human_opens: 0,
        machine_opens: 0,
        unique_human_clicks: 0,
        machine_clicks: 0,
        attributed_orders: 0,
        attributed_revenue_minor: 0,
        recovered_carts: 0,
        unconfirmed: 0,
        unconfirmed_bounced: 0,
        delivered: 0,
      };
      row.reached! += 1;
      row[message.status]! += 1;
      row.bounced! += Number(message.bounced);
      // Delivered: confirmed sends only; an unconfirmed email's bounce is counted apart as well.
      row.delivered! += Number(message.status === 'sent' && !message.bounced);
      row.unconfirmed_bounced! += Number(message.status === 'unconfirmed' && message.bounced);
      row.complained! += Number(message.complained);
      row.unsubscribed! += Number(message.unsubscribed);
      row.unique_human_opens! += Number(message.humanOpens > 0);
      row.machine_opens! += message.machineOpens;
      row.unique_human_clicks! += Number(message.humanClicks > 0);
      row.machine_clicks! += message.machineClicks;
      if (chain.attributedTo === index) {
        // Every order of the customer goes to their last clicked email (one chain per customer here).
        row.attributed_orders! += chain.orders.length;
        for (const order of chain.orders) {
          if (order.currency === chain.currency) row.attributed_revenue_minor! += order.totalMinor;
          if (order.forChainCart) row.recovered_carts! += 1;
        }
      }
      rows.set(key, row);
    });
  }
  return rows;
}

function expectedArms(chains: PlannedChain[]) {
  const rows = new Map<string, Record<string, number>>();
  const add = (chain: PlannedChain, experiment: string, arm: string) => {
    const key = [chain.campaignId, chain.version, experiment, arm, chain.currency].join('|');
    const row = rows.get(key) ?? {
      entered: 0,
      converted: 0,
      orders: 0,
      revenue_minor: 0,
      revenue_squares_minor: 0,
      recovered_carts: 0,
      human_clicked: 0,
    };
    const revenue = chain.orders
      .filter((order) => order.currency === chain.currency)
      .reduce((sum, o) => sum + o.totalMinor, 0);
    row.entered! += 1;
    row.converted! += Number(chain.orders.length > 0);
    row.orders! += chain.orders.length;
    row.revenue_minor! += revenue;
    row.revenue_squares_minor! += revenue * revenue;
    row.recovered_carts! += Number(chain.orders.some((order) => order.forChainCart));
    row.human_clicked! += Number(chain.messages.some((message) => message.humanClicks > 0));
    rows.set(key, row);
  };
  for (const chain of chains) {
    if (chain.arm) add(chain, 'holdout', chain.arm);
    for (const [step, variant] of Object.entries(chain.variants)) add(chain, step, variant);
  }
  return rows;
}

const FUNNEL_COLUMNS = [
  'reached',
  'sent',
  'skipped',
  'failed',
  'bounced',
  'complained',
  'unsubscribed',
  'unique_human_opens',
  'machine_opens',
  'unique_human_clicks',
  'machine_clicks',
  'attributed_orders',
  'attributed_revenue_minor',
  'recovered_carts',
  'unconfirmed',
  'unconfirmed_bounced',
  'delivered',
] as const;
const ARM_COLUMNS = [
  'entered',
  'converted',
  'orders',
  'revenue_minor',
  'revenue_squares_minor',
  'recovered_carts',
  'human_clicked',
] as const;

async function funnelFromView() {
  const rows = await database.sql.unsafe(`
    select campaign_id, campaign_version, step, variant, currency, ${FUNNEL_COLUMNS.map((c) => `sum(${c})::float8 as ${c}`).join(', ')}
    from campaign_step_daily where shop_id = '${shopId}'
    group by campaign_id, campaign_version, step, variant, currency`);
  return new Map(
    rows.map((row) => [
      [row.campaign_id, row.campaign_version, row.step, row.variant, row.currency].join('|'),
      Object.fromEntries(FUNNEL_COLUMNS.map((column) => [column, Number(row[column])])),
    ]),
  );
}

async function armsFromView() {
  const rows = await database.sql.unsafe(`
    select campaign_id, campaign_version, experiment, arm, currency, ${ARM_COLUMNS.map((c) => `sum(${c})::float8 as ${c}`).join(', ')}
    from experiment_arms_daily where shop_id = '${shopId}'
    group by campaign_id, campaign_version, experiment, arm, currency`);
  return new Map(
    rows.map((row) => [
      [row.campaign_id, row.campaign_version, row.experiment, row.arm, row.currency].join('|'),
      Object.fromEntries(ARM_COLUMNS.map((column) => [column, Number(row[column])])),
    ]),
  );
}

describe('analyst views on a seeded data set', () => {
  const chains = plan(20261129, 80);

  beforeAll(async () => {
    for (const [index, chain] of chains.entries()) await write(chain, index);
  });

  it('campaign_step_daily counts what the plan says happened', async () => {
    expect(await funnelFromView()).toEqual(expectedFunnel(chains));
  });

  it('experiment_arms_daily counts every entrant by arm, emailed or not', async () => {
    expect(await armsFromView()).toEqual(expectedArms(chains));
  });

  it('unconfirmed emails count on their own, never as skipped or sent', async () => {
    const all = chains.flatMap((chain) => chain.messages);
    const unconfirmed = all.filter((message) => message.status === 'unconfirmed');
    expect(unconfirmed.length).toBeGreaterThan(0); // the seeded plan holds some, or this proves nothing
    const [totals] = await database.sql`select sum(sent)::int as sent, sum(unconfirmed)::int as unconfirmed,
      sum(skipped)::int as skipped from campaign_step_daily
      where shop_id = ${shopId} and campaign_id in ('alpha', 'beta')`;
    expect(totals).toEqual({
      sent: all.filter((message) => message.status === 'sent').length,
      unconfirmed: unconfirmed.length,
      skipped: all.filter((message) => message.status === 'skipped').length,
    });
  });

  it('an order after a click on an unconfirmed email is attributed to it, and its rates count it', async () => {
    const chain = plan(11, 1)[0] as PlannedChain;
    Object.assign(chain, { campaignId: 'delta', version: 1, arm: null, variants: {}, attributedTo: 0 });
    chain.messages = [
      {
        ...(chain.messages[0] as PlannedMessage),
        step: 'reminder',
        status: 'unconfirmed',
        variant: null,
        humanOpens: 1,
        machineOpens: 0,
        humanClicks: 1,
        machineClicks: 0,
        bounced: false,
        complained: false,
        unsubscribed: false,
      },
    ];
    chain.orders = [{ forChainCart: true, currency: chain.currency, totalMinor: 4_990 }];
    const [messageId] = await write(chain, 7); // a low index: its touches come before the order
    const [attribution] = await database.sql`select message_id from order_attribution where shop_id = ${shopId}
      and campaign_id = 'delta'`;
    expect(attribution?.message_id).toBe(messageId);
    const [row] = await database.sql`select sent, unconfirmed, skipped, delivered, unique_human_clicks,
      attributed_orders, recovered_carts, human_click_rate::float8, order_rate::float8
      from campaign_step_daily where shop_id = ${shopId} and campaign_id = 'delta'`;
    expect(row).toEqual({
      sent: 0,
      unconfirmed: 1,
      skipped: 0,
      delivered: 0,
      unique_human_clicks: 1,
      attributed_orders: 1,
      recovered_carts: 1,
      human_click_rate: 1,
      order_rate: 1,
    });
  });

  it('the trigger-kept rollups equal a full rebuild from the raw rows', async () => {
    const before = { funnel: await funnelFromView(), arms: await armsFromView() };
    await database.sql`select analytics_rebuild()`;
    expect({ funnel: await funnelFromView(), arms: await armsFromView() }).toEqual(before);
  });

  it('a click re-marked as a scanner burst stops counting as human', async () => {
    const chain = plan(7, 1)[0] as PlannedChain;
    chain.campaignId = 'gamma';
    chain.messages = [
      {
        ...(chain.messages[0] as PlannedMessage),
        status: 'sent',
        variant: null,
        humanClicks: 0,
        machineClicks: 0,
        humanOpens: 0,
        machineOpens: 0,
        bounced: false,
        complained: false,
        unsubscribed: false,
      },
    ];
    chain.orders = [];
    const [messageId] = await write(chain, 999);
    const clicks = (machine: boolean, markMachine: (ids: number[]) => number[]) =>
      insertClick(database.db, { messageId: messageId as string, since: at(0) }, (recent) => ({
        event: {
          shopId,
          messageId: messageId as string,
          type: 'click',
          linkIndex: 1,
          occurredAt: new Date(),
          userAgent: null,
          ipPrefix: null,
          machine,
          machineReason: machine ? 'link_scanner_burst' : null,
        },
        markMachine: markMachine(recent.map((click) => click.id)),
        reason: 'link_scanner_burst',
      }));
    await clicks(false, () => []);
    const human = async () =>
      (
        await database.sql`select unique_human_clicks::int as h, machine_clicks::int as m from campaign_step_daily
        where shop_id = ${shopId} and campaign_id = 'gamma'`
      )[0];
    expect(await human()).toEqual({ h: 1, m: 0 });
    await clicks(true, (earlier) => earlier);
    expect(await human()).toEqual({ h: 0, m: 2 });
  });
});
