import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunChainStepInput, createActivities } from '../../activities';
import { templatesDir } from '../../app/services';
import { storeCartEvent } from '../../db/cart-store';
import { hasPurchased } from '../../db/purchase-history';
import type { Campaign } from '../../domain/campaign';
import type { ChainStepResult } from '../../domain/chain';
import { CartEvent, CartUpdatedEvent } from '../../domain/events';
import { holdoutArmOf } from '../../domain/experiments';
import { MINOR_UNIT_DIGITS, minorUnitDigits } from '../../domain/money';
import { createSmtpMailer, type Mailer } from '../../mail/mailer';
import { createTemplateRenderer } from '../../mail/template-renderer';
import { recordClick, recordOpen } from '../../server/tracking-recorder';
import { findTrackedMessage } from '../../db/tracking-store';
import { cartUpdatedEvent } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { activityEnvironment } from '../helpers/test-logger';

// Real Postgres and a real SMTP server: orders arrive as webhooks, touches through the tracking recorder.
const shopId = 'shop-attribution';
const DAY = 86_400_000;
const PERSON = {
  method: 'GET',
  userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0',
  ipPrefix: '198.51.100.0/24',
};
let database: TestDatabase;
let smtp: MailCatcher;
let mailer: Mailer;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startMailCatcher();
  mailer = createSmtpMailer({ url: smtp.url, from: 'Shop <shop@mail.example.com>' });
});
afterAll(async () => {
  mailer?.close();
  await smtp?.close();
  await database?.drop();
});

const frequent = { frequency: { minGap: '1s', maxPer7Days: 10, maxDeferral: '1h' } };

function runStep(input: RunChainStepInput): Promise<ChainStepResult> {
  const { runChainStep } = createActivities({
    db: database.db,
    mailer,
    templates: createTemplateRenderer({ dir: templatesDir, watch: false }),
    messageIdDomain: 'mail.example.com',
  });
  return activityEnvironment().run(runChainStep, input) as Promise<ChainStepResult>;
}

interface Shopper {
  email: string;
  cartId: string;
  workflowId: string;
  step(index: number, campaign?: Campaign): RunChainStepInput;
}

/** A customer whose cart was stored by the webhook; `email` defaults to a fresh address. */
async function shopper(options: { email?: string; currency?: string } = {}): Promise<Shopper> {
  const email = options.email ?? `c-${randomUUID().slice(0, 8)}@example.com`;
  const event = CartUpdatedEvent.parse(cartUpdatedEvent({ customer: { email } }));
  const cart = { ...event.data, currency: options.currency ?? 'EUR' };
  await storeCartEvent(database.db, { shopId, event: { ...event, data: cart }, payload: event });
  const workflowId = `cart:${shopId}:${cart.id}`;
  const enteredAt = Date.now();
  return {
    email,
    cartId: cart.id,
    workflowId,
    step: (stepIndex, campaign = consumerCampaign(frequent)) => ({
      workflowId,
      shopId,
      cartId: cart.id,
      campaign,
      stepIndex,
      enteredAt,
      cart,
    }),
  };
}

async function messageOf(who: Shopper, step: string) {
  const [row] = await database.sql`select id from messages where cart_id = ${who.cartId} and step = ${step}`;
  if (!row) throw new Error(`no ${step} message for ${who.cartId}`);
  return row.id as string;
}

/** A tracking hit as the HTTP route records it, at the database's now. */
async function hit(messageId: string, type: 'open' | 'click', requester = PERSON) {
  const message = await findTrackedMessage(database.db, messageId);
  if (!message) throw new Error('unknown message');
  // Past the "too soon after delivery" rule, as a person reading the email later would be.
  const later = { ...message, sentAt: new Date(message.now.getTime() - 3_600_000) };
  if (type === 'open') await recordOpen(database.db, { messageId, message: later, requester });
  else await recordClick(database.db, { messageId, linkIndex: 0, message: later, requester });
}

/** Moves a message and its touches `days` into the past (as if sent then). */
async function age(messageId: string, days: number) {
  await database.sql`update messages set sent_at = sent_at - make_interval(days => ${days}) where id = ${messageId}`;
  await database.sql`update tracking_events set occurred_at = occurred_at - make_interval(days => ${days})
    where message_id = ${messageId}`;
}

async function placeOrder(
  who: Shopper,
  options: { cartId?: string; total?: string; currency?: string; placedAt?: Date; withCustomer?: boolean } = {},
) {
  const orderId = `order-${randomUUID().slice(0, 8)}`;
  const event = CartEvent.parse({
    id: `evt-${randomUUID()}`,
    type: 'order.placed',
    data: {
      cartId: options.cartId ?? who.cartId,
      orderId,
      total: options.total ?? '52.30',
      currency: options.currency ?? 'EUR',
      placedAt: (options.placedAt ?? new Date()).toISOString(),
      ...(options.withCustomer === false ? {} : { customer: { email: who.email, marketingConsent: true } }),
    },
  });
  await storeCartEvent(database.db, { shopId, event, payload: event });
  return orderId;
}

async function attributionOf(orderId: string) {
  const [row] = await database.sql`select message_id, touch, step, currency, total_minor, recovered_cart
    from order_attribution where order_id = ${orderId}`;
  return row;
}

describe('orders', () => {
  it('are stored with integer minor units in their own currency, once per order id', async () => {
    const who = await shopper();
    const euro = await placeOrder(who, { total: '19.99' });
    const yen = await placeOrder(who, { cartId: 'other-cart', total: '1500', currency: 'JPY' });
    const dinar = await placeOrder(who, { cartId: 'third-cart', total: '1.235', currency: 'KWD' });
    const rows = await database.sql`select order_id, currency, total_minor from orders
      where order_id in (${euro}, ${yen}, ${dinar}) order by currency`;
    expect(rows.map((row) => [row.currency, Number(row.total_minor)])).toEqual([
      ['EUR', 1999],
      ['JPY', 1500],
      ['KWD', 1235],
    ]);
    // The view gives analysts the exact decimal amount, never a float.
    const totals = await database.sql`select currency, total::text as total from order_attribution
      where order_id in (${euro}, ${yen}, ${dinar}) order by currency`;
    expect(totals.map((row) => [row.currency, row.total])).toEqual([
      ['EUR', '19.99'],
      ['JPY', '1500'],
      ['KWD', '1.235'],
    ]);
  });

  it('the database rounds to the same minor units as the code (analytics_currency_digits)', async () => {
    const codes = [...Object.keys(MINOR_UNIT_DIGITS), 'EUR', 'USD', 'RUB', 'GBP'];
    const rows = await database.sql`select code, analytics_currency_digits(code) as digits
      from unnest(${codes}::text[]) as code`;
    expect(Object.fromEntries(rows.map((row) => [row.code, row.digits]))).toEqual(
      Object.fromEntries(codes.map((code) => [code, minorUnitDigits(code)])),
    );
  });

  it('a late cart.updated for a bought cart is not a new purchase (purchase checks read orders)', async () => {
    const who = await shopper();
    await placeOrder(who, { placedAt: new Date(Date.now() - 2 * DAY) });
    const since = new Date(Date.now() - DAY);
    const [customer] = await database.sql`select id from customers where email = ${who.email}`;
    const customerId = Number(customer?.id);
    // The shop re-sends the bought cart ("cart cleared") after the chain started.
    const late = CartUpdatedEvent.parse(
      cartUpdatedEvent({ cartId: who.cartId, customer: { email: who.email }, updatedAt: new Date().toISOString() }),
    );
    await storeCartEvent(database.db, { shopId, event: late, payload: late });
    expect(await hasPurchased(database.db, { shopId, customerId, since })).toBe(false);
    expect(await hasPurchased(database.db, { shopId, customerId })).toBe(true);
    await placeOrder(who, { cartId: 'next-cart' });
    expect(await hasPurchased(database.db, { shopId, customerId, since })).toBe(true);
  });
});

describe('attribution: last human touch within the window', () => {
  it('goes to the latest email a person clicked, not an earlier one', async () => {
    const who = await shopper();
    await runStep(who.step(0));
    const reminder = await messageOf(who, 'reminder');
    await hit(reminder, 'click');
    await age(reminder, 2);
    expect(await runStep(who.step(1))).toEqual({ status: 'sent' });
    const incentive = await messageOf(who, 'incentive');
    await hit(incentive, 'click');
    const orderId = await placeOrder(who);
    expect(await attributionOf(orderId)).toMatchObject({
      message_id: incentive,
      touch: 'click',
      step: 'incentive',
      recovered_cart: true,
    });
  });

  it('ignores machine clicks and opens, and clicks older than the window', async () => {
    const scanned = await shopper();
    await runStep(scanned.step(0));
    const message = await messageOf(scanned, 'reminder');
    await hit(message, 'click', { ...PERSON, userAgent: 'Mozilla/5.0 (compatible; Barracuda Sentinel)' });
    await hit(message, 'open', { ...PERSON, userAgent: 'Mozilla/5.0' }); // Apple Mail Privacy Protection
    expect(await attributionOf(await placeOrder(scanned))).toMatchObject({ message_id: null });

    const old = await shopper();
    await runStep(old.step(0));
    const oldMessage = await messageOf(old, 'reminder');
    await hit(oldMessage, 'click');
    await age(oldMessage, 6); // the campaign's window is 5 days
    expect(await attributionOf(await placeOrder(old))).toMatchObject({ message_id: null });
  });

  it('counts a human open only where the campaign says opens count', async () => {
    const byClick = await shopper();
    await runStep(byClick.step(0));
    await hit(await messageOf(byClick, 'reminder'), 'open');
    expect(await attributionOf(await placeOrder(byClick))).toMatchObject({ message_id: null });

    const byOpen = await shopper();
    await runStep(byOpen.step(0, consumerCampaign({ ...frequent, attributionTouch: 'open' })));
    const message = await messageOf(byOpen, 'reminder');
    await hit(message, 'open');
    expect(await attributionOf(await placeOrder(byOpen))).toMatchObject({ message_id: message, touch: 'open' });
  });

  it('an order for another cart is attributed but is no recovered cart; revenue counts in the email currency', async () => {
    const who = await shopper();
    await runStep(who.step(0));
    const message = await messageOf(who, 'reminder');
    await hit(message, 'click');
    const other = await placeOrder(who, { cartId: `other-${randomUUID().slice(0, 6)}`, total: '10.00' });
    const yen = await placeOrder(who, { cartId: `yen-${randomUUID().slice(0, 6)}`, total: '900', currency: 'JPY' });
    expect(await attributionOf(other)).toMatchObject({ message_id: message, recovered_cart: false });
    expect(await attributionOf(yen)).toMatchObject({ message_id: message, currency: 'JPY', total_minor: '900' });
    const [counters] = await database.sql`select attributed_orders, attributed_revenue_minor, recovered_carts
      from messages where id = ${message}`;
    // Both orders count; only the EUR one adds to the EUR email's revenue.
    expect(counters).toEqual({ attributed_orders: 2, attributed_revenue_minor: '1000', recovered_carts: 0 });
  });

  it('an order without a customer block belongs to the customer the cart named', async () => {
    const who = await shopper();
    await runStep(who.step(0));
    const message = await messageOf(who, 'reminder');
    await hit(message, 'click');
    expect(await attributionOf(await placeOrder(who, { withCustomer: false }))).toMatchObject({ message_id: message });
  });
});

describe('holdout', () => {
  const campaign = consumerCampaign({ ...frequent, experiment: { holdout: 50 } });

  /** A fresh address the campaign's hash puts in `arm`. */
  function addressIn(arm: 'holdout' | 'treated'): string {
    for (;;) {
      const email = `h-${randomUUID().slice(0, 8)}@example.com`;
      if (holdoutArmOf(campaign, email) === arm) return email;
    }
  }

  it('gets no email, is counted on its chain, and its orders count as conversions (never as attributed)', async () => {
    const held = await shopper({ email: addressIn('holdout') });
    const sentBefore = smtp.messages.length;
    expect(await runStep(held.step(0, campaign))).toEqual({ status: 'skipped', reason: 'holdout', endChain: false });
    expect(smtp.messages.length).toBe(sentBefore);
    const treated = await shopper({ email: addressIn('treated') });
    expect(await runStep(treated.step(0, campaign))).toEqual({ status: 'sent' });

    const orderId = await placeOrder(held);
    expect(await attributionOf(orderId)).toMatchObject({ message_id: null });
    const entries = await database.sql`select workflow_id, arm, converted, orders, revenue_minor, recovered_cart
      from campaign_entries where workflow_id in (${held.workflowId}, ${treated.workflowId}) order by arm`;
    expect(entries).toEqual([
      {
        workflow_id: held.workflowId,
        arm: 'holdout',
        converted: true,
        orders: 1,
        revenue_minor: '5230',
        recovered_cart: true,
      },
      {
        workflow_id: treated.workflowId,
        arm: 'treated',
        converted: false,
        orders: 0,
        revenue_minor: '0',
        recovered_cart: false,
      },
    ]);
    const arms = await database.sql`select arm, entered, converted, revenue_minor from experiment_arms_daily
      where campaign_id = 'consumer' and experiment = 'holdout' order by arm`;
    expect(arms).toEqual([
      { arm: 'holdout', entered: 1, converted: 1, revenue_minor: '5230' },
      { arm: 'treated', entered: 1, converted: 0, revenue_minor: '0' },
    ]);
  });
});
