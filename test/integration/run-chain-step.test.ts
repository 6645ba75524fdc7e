import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ActivityDeps, type RunChainStepInput, createActivities } from '../../activities';
import { messageIdFor } from '../../activities/deliver-email';
import { createShopifyDiscountApi } from '../../activities/discounts/shopify-discounts';
import { verifySignature } from '../../signing/webhook-signature';
import { templatesDir } from '../../app/services';
import { storeCartEvent } from '../../db/cart-store';
import { optOut } from '../../db/preference-store';
import { suppress } from '../../db/suppression-store';
import type { Campaign } from '../../domain/campaign';
import type { ChainStepResult } from '../../domain/chain';
import { CartUpdatedEvent, OrderPlacedEvent } from '../../domain/events';
import { createSmtpMailer, type Mailer } from '../../mail/mailer';
import { sendDeadline } from '../../mail/send-deadline';
import { SEND_DEADLINE_MS, STALE_CLAIM_MS } from '../../domain/activity-timeouts';
import { createTemplateRenderer } from '../../mail/template-renderer';
import { cartUpdatedEvent, orderPlacedEvent } from '../helpers/cart-events';
import { b2bCampaign, consumerCampaign } from '../helpers/campaigns';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { activityEnvironment } from '../helpers/test-logger';

// Postgres and SMTP are real; only the CRM (a third party) is played by msw.
const shopId = 'shop-steps';
const HOUR = 3_600_000;
const crm = setupServer();
let database: TestDatabase;
let smtp: MailCatcher;
let mailer: Mailer;

beforeAll(async () => {
  crm.listen({ onUnhandledRequest: 'error' });
  database = await createTestDatabase();
  smtp = await startMailCatcher({ rejectRecipient: (address) => address.startsWith('bounce') });
  mailer = createSmtpMailer({ url: smtp.url, from: 'Shop <shop@mail.example.com>' });
});
afterAll(async () => {
  crm.close();
  mailer?.close();
  await smtp?.close();
  await database?.drop();
});
beforeEach(() => {
  smtp.messages.length = 0;
});
afterEach(() => crm.resetHandlers());

function activities(overrides: Partial<ActivityDeps> = {}) {
  return createActivities({
    db: database.db,
    mailer,
    templates: createTemplateRenderer({ dir: templatesDir }),
    messageIdDomain: 'mail.example.com',
    defaultManagerEmail: 'sales@shop.example.com',
    outboundWebhookSecret: 'outbound-secret-0123456789',
    ...overrides,
  });
}

/** Stores a cart as the webhook would and returns the input of its chain's step `stepIndex`. */
async function chainOf(
  options: {
    campaign?: Campaign;
    customer?: Record<string, unknown>;
    items?: unknown[];
    data?: Record<string, unknown>;
  } = {},
): Promise<(stepIndex: number) => RunChainStepInput> {
  const webhook = cartUpdatedEvent({
    customer: { email: `c-${randomUUID().slice(0, 8)}@example.com`, ...options.customer },
  });
  const event = CartUpdatedEvent.parse({ ...webhook, data: { ...webhook.data, ...options.data } });
  await storeCartEvent(database.db, { shopId, event, payload: event });
  const cart = options.items ? { ...event.data, items: options.items as never } : event.data;
  const workflowId = `cart:${shopId}:${event.data.id}`;
  const enteredAt = Date.now();
  return (stepIndex) => ({
    workflowId,
    shopId,
    cartId: event.data.id,
    campaign: options.campaign ?? consumerCampaign(),
    stepIndex,
    enteredAt,
    cart,
  });
}

// The activities' clock: real time plus what the test skipped ahead, as the workflow's timer would.
let skippedMs = 0;
const clock = () => new Date(Date.now() + skippedMs);
beforeEach(() => {
  skippedMs = 0;
});

const run = (input: RunChainStepInput, deps: Partial<ActivityDeps> = {}) =>
  activityEnvironment().run(activities({ now: clock, ...deps }).runChainStep, input) as Promise<ChainStepResult>;

/** Runs a step the way the workflow does: a deferral is waited out (the clock skips to it) and the step runs again. */
async function runToEnd(input: RunChainStepInput): Promise<ChainStepResult> {
  for (;;) {
    const result = await run(input);
    if (result.status !== 'deferred') return result;
    skippedMs += Math.max(0, result.until - clock().getTime());
  }
}
const rows = (cartId: string) =>
  database.sql`select step, status, reason, kind, recipient_role, campaign_id, segment from messages
    where cart_id = ${cartId} order by created_at`;
const chainRow = async (workflowId: string) =>
  (await database.sql`select status, outcome from chains where workflow_id = ${workflowId}`)[0];

describe('runChainStep (real Postgres, real SMTP)', () => {
  it('sends the step once, records campaign and segment, and a retry sends nothing more', async () => {
    const step = await chainOf();
    expect(await run(step(0))).toEqual({ status: 'sent' });
    expect(await run(step(0))).toEqual({ status: 'already_sent' });
    // A send returns once the SMTP server accepted the message, and the catcher keeps it before accepting.
    expect(smtp.messages).toHaveLength(1);
    expect(await rows(step(0).cartId)).toEqual([
      expect.objectContaining({ step: 'reminder', status: 'sent', kind: 'marketing', campaign_id: 'consumer' }),
    ]);
    expect(await chainRow(step(0).workflowId)).toEqual({ status: 'active', outcome: null });
  });

  it('the incentive step creates one code; the last chance shows the same code and ends the chain', async () => {
    const step = await chainOf();
    const frequent = { frequency: { minGap: '1s', maxPer7Days: 10, maxDeferral: '1h' } };
    const campaign = consumerCampaign(frequent);
    const input = (i: number) => ({ ...step(i), campaign });
    await runToEnd(input(0));
    await runToEnd(input(1));
    await runToEnd(input(2));
    const [incentive, lastChance] = (await smtp.waitFor(3)).slice(1);
    const [code] = await database.sql`select code, status from discount_codes where cart_id = ${input(0).cartId}`;
    expect(code?.code).toMatch(/^[A-Z2-9]{12}$/);
    expect(incentive?.text).toContain(code?.code);
    expect(lastChance?.text).toContain(code?.code);
    expect(await chainRow(input(0).workflowId)).toEqual({ status: 'finished', outcome: 'completed' });
    expect(code?.status).toBe('active'); // a finished chain leaves the code valid until it expires
  });

  it('a de-DE customer of an English-only template reads its prices, the code’s amount and its date in English', async () => {
    const campaign = consumerCampaign({
      steps: [
        {
          id: 'incentive',
          delay: '0s',
          template: 'cart-incentive',
          incentive: { type: 'fixed', value: 5, currency: 'EUR', validFor: '3d' },
        },
      ],
    });
    const step = await chainOf({ campaign, customer: { locale: 'de-DE' } });
    expect(await runToEnd(step(0))).toEqual({ status: 'sent' });
    const [email] = await smtp.waitFor(1);
    expect(email?.subject).toContain('€5.00 off');
    expect(email?.text).toContain('2 × €19.90 = €39.80');
    expect(email?.text).toContain('Total: €52.30');
    expect(email?.text).toMatch(
      /until (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{1,2} [A-Z][a-z]+ \d{4} at/,
    );
    expect(email?.text).not.toMatch(/Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag|5,00|39,80/);
  });

  it('a fixed 5 EUR incentive on a yen cart offers no "¥5 off": no code, the email is the plain reminder', async () => {
    const campaign = consumerCampaign({
      steps: [
        {
          id: 'incentive',
          delay: '0s',
          template: 'cart-incentive',
          incentive: { type: 'fixed', value: 5, currency: 'EUR', validFor: '3d' },
        },
      ],
    });
    const yen = {
      currency: 'JPY',
      items: [{ sku: 'PAN', name: 'Cast-iron pan', quantity: 3, unitPrice: '4500' }],
      total: '13500',
    };
    const step = await chainOf({ campaign, data: yen });
    expect(await runToEnd(step(0))).toEqual({ status: 'sent' });
    const [email] = await smtp.waitFor(1);
    // Either subject line, as the send key picks it: both without a discount.
    expect(email?.subject).toMatch(/^Ada, (your cart is still saved|still thinking it over\? 3 items saved)$/);
    expect(email?.text).toContain('3 × ¥4,500 = ¥13,500');
    expect(email?.text).not.toMatch(/¥5\b|€5|off your|code/i);
    expect(await database.sql`select code from discount_codes where cart_id = ${step(0).cartId}`).toEqual([]);
  });

  it('the last email ends the chain; a retry and an earlier end keep both as they were', async () => {
    const frequent = consumerCampaign({ frequency: { minGap: '1s', maxPer7Days: 10, maxDeferral: '1h' } });
    const step = await chainOf({ campaign: frequent });
    const input = (i: number) => ({ ...step(i), campaign: frequent });
    await runToEnd(input(0));
    await runToEnd(input(1));
    expect(await chainRow(input(0).workflowId)).toEqual({ status: 'active', outcome: null });
    expect(await runToEnd(input(2))).toEqual({ status: 'sent' });
    const ended = async () =>
      (
        await database.sql`select c.status, c.outcome, c.finished_at is not null as finished, m.status as email
          from chains c join messages m on m.workflow_id = c.workflow_id and m.step = 'last-chance'
          where c.workflow_id = ${input(0).workflowId}`
      )[0];
    expect(await ended()).toEqual({ status: 'finished', outcome: 'completed', finished: true, email: 'sent' });
    expect(await run(input(2))).toEqual({ status: 'already_sent' });
    expect(await ended()).toEqual({ status: 'finished', outcome: 'completed', finished: true, email: 'sent' });

    // A chain stopped while its last email was on its way keeps the outcome it was stopped with.
    const stopped = await chainOf({ campaign: frequent });
    const last = (i: number) => ({ ...stopped(i), campaign: frequent });
    await runToEnd(last(0));
    await runToEnd(last(1));
    await database.sql`update chains set status = 'finished', outcome = 'stopped', finished_at = now()
      where workflow_id = ${last(0).workflowId}`;
    expect(await runToEnd(last(2))).toEqual({ status: 'sent' });
    expect(await chainRow(last(0).workflowId)).toEqual({ status: 'finished', outcome: 'stopped' });
  });

  it('with Shopify as the discount source, the code is made for the checkout’s customer and deactivated when the chain ends early', async () => {
    const shopify = 'https://cartflow-steps.myshopify.com/admin/api/2025-10/graphql.json';
    const calls: Array<{ query: string; variables: Record<string, unknown> }> = [];
    crm.use(
      http.post(shopify, async ({ request }) => {
        const body = (await request.json()) as { query: string; variables: Record<string, unknown> };
        calls.push(body);
        const operation = body.query.includes('discountCodeDeactivate')
          ? 'discountCodeDeactivate'
          : 'discountCodeBasicCreate';
        return HttpResponse.json({
          data: { [operation]: { codeDiscountNode: { id: 'gid://shopify/DiscountCodeNode/4242' }, userErrors: [] } },
          extensions: {
            cost: {
              requestedQueryCost: 10,
              actualQueryCost: 10,
              throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1990, restoreRate: 100 },
            },
          },
        });
      }),
    );
    const shopApi = createShopifyDiscountApi({
      shopDomain: 'cartflow-steps.myshopify.com',
      accessToken: 'shpat_steps',
      apiVersion: '2025-10',
      timeoutMs: 1000,
    });
    const campaign = consumerCampaign({
      steps: [
        {
          id: 'incentive',
          delay: '0s',
          template: 'cart-reminder',
          incentive: { type: 'percent', value: 10, validFor: '3d' },
        },
      ],
    });
    // A Shopify checkout's customer id (domain/shopify-events.ts puts it in cart.customer.id).
    const step = await chainOf({ campaign, customer: { id: '207119551' } });
    expect(await run(step(0), { shopApi })).toEqual({ status: 'sent' });
    const [email] = await smtp.waitFor(1);
    const created = calls[0]?.variables.basicCodeDiscount as { code: string; customerSelection: unknown };
    expect(created.customerSelection).toEqual({ customers: { add: ['gid://shopify/Customer/207119551'] } });
    expect(email?.text).toContain(created.code);

    await activityEnvironment().run(activities({ shopApi }).finishChain, {
      workflowId: step(0).workflowId,
      shopId,
      cartId: step(0).cartId,
      outcome: 'purchased',
    });
    expect(calls[1]?.variables).toEqual({ id: 'gid://shopify/DiscountCodeNode/4242' });
    const [code] = await database.sql`select status, external_id from discount_codes where cart_id = ${step(0).cartId}`;
    expect(code).toEqual({ status: 'disabled', external_id: 'gid://shopify/DiscountCodeNode/4242' });
  });

  it('a send another attempt claimed moments ago is not sent again now (retryable)', async () => {
    const step = await chainOf();
    const key = `cart:${shopId}:${step(0).cartId}:reminder`;
    await database.sql`insert into messages (key, shop_id, cart_id, step, template_id, template_version, status, message_id_header)
      values (${key}, ${shopId}, ${step(0).cartId}, 'reminder', 'cart-reminder', 'x', 'sending', 'x')`;
    const failure = await run(step(0)).catch((error: unknown) => error);
    expect(failure).toMatchObject({ nonRetryable: false, type: 'SendInFlight' });
    expect(smtp.messages).toHaveLength(0);
  });

  it('a send whose attempt died (claim older than 2 minutes) is taken over, with the same Message-ID', async () => {
    const step = await chainOf();
    const key = `cart:${shopId}:${step(0).cartId}:reminder`;
    await database.sql`insert into messages (key, shop_id, cart_id, step, template_id, template_version, status, message_id_header, claimed_at)
      values (${key}, ${shopId}, ${step(0).cartId}, 'reminder', 'cart-reminder', 'x', 'sending', 'x', now() - interval '3 minutes')`;
    expect(await run(step(0))).toEqual({ status: 'sent' });
    const [mail] = await smtp.waitFor(1);
    expect(mail?.messageId).toBe(messageIdFor(key, 'mail.example.com'));
  });

  it('an attempt frozen mid-send past its deadline hands the server nothing and leaves the row; the retry that takes it over sends the one email', async () => {
    const step = await chainOf();
    const key = `cart:${shopId}:${step(0).cartId}:reminder`;
    // The machine "sleeps" once the server has read DATA: the wall clock jumps past the takeover.
    const commandsBefore = smtp.commands.length;
    const serverReadData = () => smtp.commands.slice(commandsBefore).some((line) => line.toUpperCase() === 'DATA');
    const frozen = () => {
      const wallStart = Date.now();
      return sendDeadline(SEND_DEADLINE_MS, {
        wall: () => wallStart + (serverReadData() ? STALE_CLAIM_MS : 0),
        monotonic: () => 0,
      });
    };
    const failure = await run(step(0), { sendDeadline: frozen }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ nonRetryable: false, type: 'SendDeadlinePassed' });
    expect(serverReadData()).toBe(true);
    // Another attempt may own the row by now: the frozen one left it as it was.
    const [left] =
      await database.sql`select status, claimed_at > now() - interval '1 minute' as fresh from messages where key = ${key}`;
    expect(left).toEqual({ status: 'sending', fresh: true });

    // The retry, once the claim is stale, takes it over and sends: the customer gets one email.
    await database.sql`update messages set claimed_at = now() - interval '3 minutes' where key = ${key}`;
    expect(await run(step(0))).toEqual({ status: 'sent' });
    const [mail] = await smtp.waitFor(1);
    expect(mail?.messageId).toBe(messageIdFor(key, 'mail.example.com'));
    expect(smtp.raw.filter((raw) => raw.includes(messageIdFor(key, 'mail.example.com')))).toHaveLength(1);
  });

  it('a step not sent on retry records the dead attempt’s row unconfirmed (its email may be out), with the reason', async () => {
    const step = await chainOf({ customer: { marketingConsent: false } });
    const key = `cart:${shopId}:${step(0).cartId}:reminder`;
    await database.sql`insert into messages (key, shop_id, cart_id, step, template_id, template_version, status, message_id_header)
      values (${key}, ${shopId}, ${step(0).cartId}, 'reminder', 'cart-reminder', 'x', 'sending', 'x')`;
    expect(await run(step(0))).toMatchObject({ status: 'skipped', reason: 'no_consent' });
    expect(await rows(step(0).cartId)).toEqual([
      expect.objectContaining({ status: 'unconfirmed', reason: 'no_consent' }),
    ]);
    expect(smtp.messages).toHaveLength(0);
  });

  it('the SMTP server took the email, the attempt died before recording it, then the cart was bought after a click: the order is attributed to it, the row unconfirmed, nothing sent again', async () => {
    const step = await chainOf();
    expect(await run(step(0))).toEqual({ status: 'sent' });
    await smtp.waitFor(1);
    // What the worker killed between the SMTP server's 250 and the `sent` mark leaves behind.
    await database.sql`update messages set status = 'sending', sent_at = null, smtp_response = null,
      claimed_at = now() - interval '3 minutes' where cart_id = ${step(0).cartId}`;
    // The customer got it: clicks, and buys while the row still says `sending`.
    const [message] = await database.sql`select id from messages where cart_id = ${step(0).cartId}`;
    await database.sql`insert into tracking_events (shop_id, message_id, type, link_index, machine, occurred_at)
      values (${shopId}, ${message?.id}, 'click', 0, false, now() - interval '1 minute')`;
    const order = OrderPlacedEvent.parse(orderPlacedEvent({ cartId: step(0).cartId }));
    await storeCartEvent(database.db, { shopId, event: order, payload: order });
    const [attributed] = await database.sql`select attributed_message_id from orders where cart_id = ${step(0).cartId}`;
    expect(attributed?.attributed_message_id).toBe(message?.id);

    expect(await run(step(0))).toEqual({ status: 'skipped', reason: 'purchased', endChain: true });
    expect(await rows(step(0).cartId)).toEqual([
      expect.objectContaining({ step: 'reminder', status: 'unconfirmed', reason: 'purchased' }),
    ]);
    expect(await chainRow(step(0).workflowId)).toEqual({ status: 'finished', outcome: 'purchased' });
    // A retry of the retry changes nothing; the one email the SMTP server has stays the only one.
    expect(await run(step(0))).toEqual({ status: 'skipped', reason: 'purchased', endChain: true });
    expect(await rows(step(0).cartId)).toEqual([
      expect.objectContaining({ status: 'unconfirmed', reason: 'purchased' }),
    ]);
    expect(smtp.messages).toHaveLength(1);
  });

  it('a step retried past its freshness window after an attempt died mid-send: unconfirmed with reason expired', async () => {
    const step = await chainOf();
    const key = `cart:${shopId}:${step(0).cartId}:reminder`;
    await database.sql`insert into messages (key, shop_id, cart_id, step, template_id, template_version, status, message_id_header, claimed_at)
      values (${key}, ${shopId}, ${step(0).cartId}, 'reminder', 'cart-reminder', 'x', 'sending', 'x', now() - interval '3 minutes')`;
    const late = { ...step(0), dueAt: Date.now() - 2 * 24 * HOUR };
    expect(await run(late, { attemptScheduledAt: () => Date.now() })).toEqual({
      status: 'skipped',
      reason: 'expired',
      endChain: false,
    });
    expect(await rows(step(0).cartId)).toEqual([expect.objectContaining({ status: 'unconfirmed', reason: 'expired' })]);
    expect(smtp.messages).toHaveLength(0);
  });

  it('a cart bought meanwhile ends the chain: no email, skipped row, live codes disabled', async () => {
    const step = await chainOf({ campaign: consumerCampaign({ frequency: { minGap: '1s' } }) });
    await runToEnd(step(0));
    await runToEnd(step(1)); // issues the code
    const order = OrderPlacedEvent.parse(orderPlacedEvent({ cartId: step(0).cartId }));
    await storeCartEvent(database.db, { shopId, event: order, payload: order });
    expect(await run(step(2))).toEqual({ status: 'skipped', reason: 'purchased', endChain: true });
    expect((await rows(step(0).cartId)).at(-1)).toMatchObject({
      step: 'last-chance',
      status: 'skipped',
      reason: 'purchased',
    });
    expect(await chainRow(step(0).workflowId)).toEqual({ status: 'finished', outcome: 'purchased' });
    const [code] = await database.sql`select status from discount_codes where cart_id = ${step(0).cartId}`;
    expect(code?.status).toBe('disabled');
  });

  it('no consent: skipped, and the chain goes on (consent may come later)', async () => {
    const step = await chainOf({ customer: { marketingConsent: false } });
    expect(await run(step(0))).toEqual({ status: 'skipped', reason: 'no_consent', endChain: false });
    expect(smtp.messages).toHaveLength(0);
  });

  it('an unsubscribed address gets nothing and the chain ends', async () => {
    const step = await chainOf();
    await database.sql`insert into suppressions (shop_id, email, reason) values (${shopId}, ${step(0).cart.customer.email}, 'unsubscribed')`;
    expect(await run(step(0))).toEqual({ status: 'skipped', reason: 'unsubscribed', endChain: true });
    expect(smtp.messages).toHaveLength(0);
  });

  it('frequency cap across campaigns: a second email within 16 h is deferred to the gap’s end', async () => {
    const email = `freq-${randomUUID().slice(0, 6)}@example.com`;
    const first = await chainOf({ customer: { email } });
    await run(first(0));
    const second = await chainOf({ customer: { email }, campaign: consumerCampaign({ id: 'other' }) });
    const before = Date.now();
    const result = await run(second(0));
    expect(result).toMatchObject({ status: 'deferred', reason: 'frequency_cap' });
    const until = (result as { until: number }).until;
    expect(until - before).toBeGreaterThan(15.9 * HOUR);
    expect(until - before).toBeLessThan(16.1 * HOUR);
  });

  it('quiet hours in the recipient’s zone defer to the window’s end', async () => {
    const step = await chainOf({
      customer: { timeZone: 'Europe/Berlin' },
      campaign: consumerCampaign({ quietHours: { start: '21:00', end: '08:00' } }),
    });
    // 23:30 in Berlin (UTC+1 in November) → 08:00 Berlin = 07:00 UTC the next day.
    const result = await run(step(0), { now: () => new Date('2026-11-23T22:30:00Z') });
    expect(result).toEqual({ status: 'deferred', reason: 'quiet_hours', until: Date.parse('2026-11-24T07:00:00Z') });
    expect(smtp.messages).toHaveLength(0);
  });

  it('re-entry cooldown: a customer whose chain ended 2 days ago is not chained again', async () => {
    const email = `cool-${randomUUID().slice(0, 6)}@example.com`;
    const earlier = await chainOf({ customer: { email } });
    await run(earlier(0));
    await database.sql`update chains set status = 'finished', outcome = 'completed', finished_at = now() - interval '2 days'
      where workflow_id = ${earlier(0).workflowId}`;
    const later = await chainOf({ customer: { email } });
    expect(await run(later(0))).toEqual({ status: 'skipped', reason: 'cooldown', endChain: true });
    // Turned away before it began: no chain row (the conversion reports would count it as entered).
    expect(await chainRow(later(0).workflowId)).toBeUndefined();
  });

  it('a newer cart of the same customer ends the older chain', async () => {
    const email = `newer-${randomUUID().slice(0, 6)}@example.com`;
    const campaign = consumerCampaign({ frequency: { minGap: '1s' } });
    const older = await chainOf({ customer: { email }, campaign });
    await run(older(0));
    const newer = await chainOf({ customer: { email }, campaign });
    await database.sql`update chains set started_at = now() - interval '1 hour' where workflow_id = ${older(0).workflowId}`;
    await run(newer(0));
    expect(await run(older(1))).toEqual({ status: 'skipped', reason: 'newer_cart', endChain: true });
  });

  it('a bounced address is skipped as suppressed; the chain ends as the unsubscribe exit rule says', async () => {
    const step = await chainOf();
    await suppress(database.db, { shopId, email: step(0).cart.customer.email, reason: 'hard_bounce', source: 'test' });
    expect(await run(step(0))).toEqual({ status: 'skipped', reason: 'suppressed', endChain: true });
    expect(await rows(step(0).cartId)).toEqual([expect.objectContaining({ status: 'skipped', reason: 'suppressed' })]);
    expect(smtp.messages).toHaveLength(0);
  });

  it('an opt-out of cart reminders only skips this campaign as unsubscribed; one of another category does not', async () => {
    const step = await chainOf();
    const email = step(0).cart.customer.email;
    await optOut(database.db, { shopId, email, categories: ['welcome'] });
    expect(await run(step(0))).toEqual({ status: 'sent' });
    await optOut(database.db, { shopId, email, categories: ['cart_reminders'] });
    expect(await run(step(1))).toEqual({ status: 'skipped', reason: 'unsubscribed', endChain: true });
    expect(smtp.messages).toHaveLength(1);
  });

  it('an order the customer placed since the chain began (another cart) ends it as purchased', async () => {
    const step = await chainOf();
    const [customer] = await database.sql`select id from customers where email = ${step(0).cart.customer.email}`;
    await database.sql`insert into orders (shop_id, order_id, customer_id, cart_id, placed_at, currency, total_minor)
      values (${shopId}, ${`order-${randomUUID()}`}, ${customer?.id}, 'another-cart', now(), 'EUR', 1990)`;
    expect(await run(step(0))).toEqual({ status: 'skipped', reason: 'purchased', endChain: true });
    expect(await chainRow(step(0).workflowId)).toEqual({ status: 'finished', outcome: 'purchased' });
  });

  it('a later step of a chain without its row (lost, or from before the table) records it and goes on', async () => {
    const step = await chainOf({ campaign: consumerCampaign({ frequency: { minGap: '1s' } }) });
    expect(await run(step(0))).toEqual({ status: 'sent' });
    await database.sql`delete from chains where workflow_id = ${step(0).workflowId}`;
    expect(await runToEnd(step(1))).toEqual({ status: 'sent' });
    expect(await chainRow(step(0).workflowId)).toEqual({ status: 'active', outcome: null });
  });

  it('B2B: the manager gets an internal email and the CRM a signed webhook, at once', async () => {
    const posts: Array<{ body: string; signature: string | null; key: string | null }> = [];
    crm.use(
      http.post('https://crm.example.com/hook', async ({ request }) => {
        posts.push({
          body: await request.text(),
          signature: request.headers.get('cartflow-signature'),
          key: request.headers.get('idempotency-key'),
        });
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const step = await chainOf({
      campaign: b2bCampaign(),
      customer: { b2b: true, salesManagerEmail: 'kim@shop.example.com' },
    });
    expect(await run(step(0))).toEqual({ status: 'sent' });
    const [alert] = await smtp.waitFor(1);
    expect(alert?.to && 'text' in alert.to ? alert.to.text : '').toBe('kim@shop.example.com');
    // The alert names the buyer, but its unsubscribe link belongs to the manager who receives it.
    const buyer = step(0).cart.customer.email;
    expect(alert?.text).toContain(buyer);
    expect(String(alert?.html)).toContain(encodeURIComponent('kim@shop.example.com'));
    expect(String(alert?.html)).not.toContain(encodeURIComponent(buyer));
    expect(posts).toHaveLength(1);
    const payload = JSON.parse(posts[0]!.body) as { type: string; cartId: string; customer: { email: string } };
    expect(payload).toMatchObject({ type: 'cart.abandoned', cartId: step(0).cartId });
    expect(
      verifySignature({
        header: posts[0]!.signature ?? undefined,
        body: Buffer.from(posts[0]!.body),
        secret: 'outbound-secret-0123456789',
        toleranceMs: 60_000,
        nowMs: Date.now(),
      }),
    ).toEqual({ ok: true });
    expect(await rows(step(0).cartId)).toEqual([
      expect.objectContaining({ step: 'alert-manager', kind: 'internal', recipient_role: 'manager' }),
    ]);
    // The funnel shows the alert on its step's line in the cart's currency, as a skipped alert is:
    // without it the step had a second line with no currency ("notify-manager ()" on the dashboard).
    const funnel = await database.sql`select currency, sent from campaign_step_daily
      where shop_id = ${shopId} and campaign_id = ${step(0).campaign.id} and step = 'alert-manager'`;
    expect(funnel).toEqual([{ currency: step(0).cart.currency, sent: 1 }]);
  });

  it('a CRM that rejects the webhook (4xx) fails the step without retrying', async () => {
    crm.use(
      http.post('https://crm.example.com/hook', () => HttpResponse.json({ error: 'bad token' }, { status: 401 })),
    );
    const step = await chainOf({ campaign: b2bCampaign(), customer: { b2b: true } });
    const failure = await run(step(0)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ nonRetryable: true, type: 'ManagerWebhookRejected' });
  });

  it('a 550 after taking over from an attempt that died is recorded unconfirmed (that attempt may have sent it), after released claims failed', async () => {
    const bounced = async (claim: { claimedAt: string; diedMidSend: boolean }) => {
      const step = await chainOf({ customer: { email: `bounce-${randomUUID().slice(0, 6)}@example.com` } });
      const key = `cart:${shopId}:${step(0).cartId}:reminder`;
      await database.sql`insert into messages (key, shop_id, cart_id, step, template_id, template_version, status,
          message_id_header, claimed_at, died_mid_send)
        values (${key}, ${shopId}, ${step(0).cartId}, 'reminder', 'cart-reminder', 'x', 'sending', 'x',
          ${claim.claimedAt}::timestamptz, ${claim.diedMidSend})`;
      const failure = await run(step(0)).catch((error: unknown) => error);
      expect(failure).toMatchObject({ nonRetryable: true, type: 'PermanentSendError' });
      return (await rows(step(0).cartId))[0];
    };
    const reason = 'SMTP rejected the message permanently (550)';
    const released = new Date(0).toISOString();
    // Died 3 minutes ago, somewhere in its send.
    const died = new Date(Date.now() - 3 * 60_000).toISOString();
    expect(await bounced({ claimedAt: died, diedMidSend: false })).toMatchObject({ status: 'unconfirmed', reason });
    // Released: that attempt knew the server did not take the message (no connection, or a 4xx).
    expect(await bounced({ claimedAt: released, diedMidSend: false })).toMatchObject({ status: 'failed', reason });
    // Released, but an attempt before it had died holding the claim.
    expect(await bounced({ claimedAt: released, diedMidSend: true })).toMatchObject({ status: 'unconfirmed', reason });
  });

  it('a step not sent after attempts that all released their claim (the server never took it) is skipped', async () => {
    const step = await chainOf({ customer: { marketingConsent: false } });
    const key = `cart:${shopId}:${step(0).cartId}:reminder`;
    await database.sql`insert into messages (key, shop_id, cart_id, step, template_id, template_version, status, message_id_header, claimed_at)
      values (${key}, ${shopId}, ${step(0).cartId}, 'reminder', 'cart-reminder', 'x', 'sending', 'x', 'epoch')`;
    expect(await run(step(0))).toMatchObject({ status: 'skipped', reason: 'no_consent' });
    expect(await rows(step(0).cartId)).toEqual([expect.objectContaining({ status: 'skipped', reason: 'no_consent' })]);
  });

  it('a permanent SMTP rejection (550) fails the step and records why', async () => {
    const step = await chainOf({ customer: { email: `bounce-${randomUUID().slice(0, 6)}@example.com` } });
    const failure = await run(step(0)).catch((error: unknown) => error);
    expect(failure).toMatchObject({ nonRetryable: true, type: 'PermanentSendError' });
    expect(await rows(step(0).cartId)).toEqual([
      expect.objectContaining({ status: 'failed', reason: 'SMTP rejected the message permanently (550)' }),
    ]);
  });
});
