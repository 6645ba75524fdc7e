import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCustomer, storeCartEvent } from '../../db/cart-store';
import { optOut } from '../../db/preference-store';
import type { SuppressionReason } from '../../db/schema';
import { type ChainStart, type StepFacts, type StepFactsInput, loadStepFacts } from '../../db/step-facts';
import { suppress } from '../../db/suppression-store';
import { CartUpdatedEvent } from '../../domain/events';
import { checkReentry } from '../../domain/frequency';
import { cartUpdatedEvent } from '../helpers/cart-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { factsOneByOne, sortedFacts } from '../helpers/step-facts-one-by-one';

// The chain step reads every fact in one statement (db/step-facts.ts). These tests hold it to the
// answers of the one-query-per-fact functions it replaced, which stay in db/ as the
// reference (the step no longer calls them; some have other callers).
const shopId = 'shop-facts';
const WEEK_MS = 7 * 24 * 3_600_000;
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** A customer and cart stored as the webhook stores them; returns the step's facts input. */
async function customerWithCart(email: string, options: { consent?: boolean } = {}): Promise<StepFactsInput> {
  const event = CartUpdatedEvent.parse(
    cartUpdatedEvent({ customer: { email, marketingConsent: options.consent ?? true } }),
  );
  await storeCartEvent(database.db, { shopId, event, payload: event });
  const cartId = event.data.id;
  return {
    shopId,
    cartId,
    workflowId: `cart:${shopId}:${cartId}`,
    email: event.data.customer.email,
    key: `cart:${shopId}:${cartId}:reminder`,
    trigger: 'cart.abandoned',
    category: 'cart_reminders',
    enteredAt: new Date(Date.now() - 3_600_000),
    sendsSince: new Date(Date.now() - WEEK_MS),
    withLastChainEnd: true,
    withLatestCode: true,
  };
}

async function customerIdOf(input: StepFactsInput): Promise<number> {
  const customer = await getCustomer(database.db, input);
  if (!customer) throw new Error('no customer');
  return customer.id;
}

async function chain(input: StepFactsInput, row: { workflowId: string; startedAgo: string; finishedAgo?: string }) {
  const customerId = await customerIdOf(input);
  await database.sql`insert into chains (workflow_id, shop_id, customer_id, cart_id, trigger, campaign_id,
      campaign_version, segment, started_at)
    values (${row.workflowId}, ${shopId}, ${customerId}, ${input.cartId}, ${input.trigger}, 'consumer', 1, 'everyone',
      now() - ${row.startedAgo}::interval)`;
  if (row.finishedAgo) {
    await database.sql`update chains set status = 'finished', finished_at = now() - ${row.finishedAgo}::interval
      where workflow_id = ${row.workflowId}`;
  }
}

async function message(
  input: StepFactsInput,
  row: {
    key: string;
    status: string;
    kind?: string;
    sentAgo?: string;
    claimedAgo?: string;
    customerId?: number | null;
  },
) {
  const customerId = row.customerId === undefined ? await customerIdOf(input) : row.customerId;
  await database.sql`insert into messages (key, shop_id, cart_id, customer_id, step, template_id, template_version,
      status, kind, message_id_header, sent_at, claimed_at)
    values (${row.key}, ${shopId}, ${input.cartId}, ${customerId}, 'reminder', 'cart-reminder', 'v1', ${row.status},
      ${row.kind ?? 'marketing'}, 'x', case when ${row.sentAgo ?? null}::interval is null then null
        else now() - ${row.sentAgo ?? null}::interval end,
      now() - coalesce(${row.claimedAgo ?? null}::interval, interval '0'))`;
}

async function order(input: StepFactsInput, placedAgo: string) {
  const customerId = await customerIdOf(input);
  await database.sql`insert into orders (shop_id, order_id, customer_id, cart_id, placed_at, currency, total_minor)
    values (${shopId}, ${`order-${randomUUID()}`}, ${customerId}, ${`other-${randomUUID()}`},
      now() - ${placedAgo}::interval, 'EUR', 5230)`;
}

async function code(input: StepFactsInput, row: { key: string; status: string; createdAgo: string; value: string }) {
  await database.sql`insert into discount_codes (key, shop_id, code, cart_id, type, value, currency, expires_at,
      status, source, created_at)
    values (${row.key}, ${shopId}, ${`C${randomUUID().slice(0, 11).toUpperCase()}`}, ${input.cartId}, 'fixed',
      ${row.value}, 'EUR', now() + interval '3 days', ${row.status}, 'builtin', now() - ${row.createdAgo}::interval)`;
}

async function expectSameAnswers(input: StepFactsInput): Promise<StepFacts> {
  const facts = await loadStepFacts(database.db, input);
  expect(sortedFacts(facts)).toEqual(sortedFacts(await factsOneByOne(database.db, input)));
  return facts;
}

describe('loadStepFacts: one statement, the same answers as one query per fact', () => {
  it('a new customer with nothing on file: no blocks, no history', async () => {
    const input = await customerWithCart(`new-${randomUUID().slice(0, 8)}@example.com`);
    const facts = await expectSameAnswers(input);
    expect(facts).toMatchObject({
      messageStatus: null,
      suppression: null,
      optedOut: false,
      cartPurchased: false,
      orderedSince: false,
      boughtBefore: false,
      chainRecorded: false,
      newerChain: false,
      lastOtherChainEnd: null,
      recentMarketingSends: [],
      latestCode: null,
    });
    expect(facts.customer).toEqual({ id: expect.any(Number), marketingConsent: true });
  });

  it('an address the shop never sent as a customer: no customer, and every per-customer fact empty', async () => {
    const input = await customerWithCart(`known-${randomUUID().slice(0, 8)}@example.com`);
    const stranger = { ...input, email: `stranger-${randomUUID().slice(0, 8)}@example.com` };
    await suppress(database.db, { shopId, email: stranger.email, reason: 'hard_bounce', source: 'test' });
    const facts = await expectSameAnswers(stranger);
    expect(facts).toMatchObject({ customer: null, suppression: 'hard_bounce', recentMarketingSends: [] });
  });

  it.each<SuppressionReason>(['unsubscribed', 'hard_bounce', 'complaint', 'manual'])(
    'a suppression (%s) is found under the canonical address, whatever case the cart used',
    async (reason) => {
      // The cart carries mixed case; suppressions hold the canonical (lower-case) form.
      const input = await customerWithCart(`O'Brien.${randomUUID().slice(0, 6)}@Example.COM`);
      await suppress(database.db, { shopId, email: input.email.toLowerCase(), reason, source: 'test' });
      const facts = await expectSameAnswers(input);
      expect(facts.suppression).toBe(reason);
    },
  );

  it('a category opt-out counts for its own category only', async () => {
    const input = await customerWithCart(`zoë-${randomUUID().slice(0, 6)}@пример.рф`);
    await optOut(database.db, { shopId, email: input.email, categories: ['welcome'] });
    expect((await expectSameAnswers(input)).optedOut).toBe(false);
    await optOut(database.db, { shopId, email: input.email, categories: ['cart_reminders'] });
    expect((await expectSameAnswers(input)).optedOut).toBe(true);
  });

  it('orders: one before the chain began is a past purchase; one since then ends the chain', async () => {
    const input = await customerWithCart(`buyer-${randomUUID().slice(0, 8)}@example.com`, { consent: false });
    await order(input, '2 days');
    expect(await expectSameAnswers(input)).toMatchObject({ boughtBefore: true, orderedSince: false });
    await order(input, '10 minutes');
    expect(await expectSameAnswers(input)).toMatchObject({ boughtBefore: true, orderedSince: true });
    await database.sql`update carts set status = 'purchased' where shop_id = ${shopId} and cart_id = ${input.cartId}`;
    expect((await expectSameAnswers(input)).cartPurchased).toBe(true);
  });

  it('chains: this one recorded, the latest other one ended, a newer one of the same trigger', async () => {
    const input = await customerWithCart(`chains-${randomUUID().slice(0, 8)}@example.com`);
    await chain(input, { workflowId: `old-${randomUUID()}`, startedAgo: '9 days', finishedAgo: '8 days' });
    await chain(input, { workflowId: `older-${randomUUID()}`, startedAgo: '5 days', finishedAgo: '2 days' });
    await chain(input, { workflowId: input.workflowId, startedAgo: '1 hour' });
    const before = await expectSameAnswers(input);
    expect(before).toMatchObject({ chainRecorded: true, newerChain: false });
    expect(Date.now() - (before.lastOtherChainEnd ?? 0)).toBeGreaterThan(2 * 24 * 3_600_000 - 60_000);
    expect(Date.now() - (before.lastOtherChainEnd ?? 0)).toBeLessThan(2 * 24 * 3_600_000 + 60_000);
    // Another trigger's chain is not this campaign's business; one of the same trigger is.
    await chain(
      { ...input, trigger: 'customer.created' },
      { workflowId: `welcome-${randomUUID()}`, startedAgo: '1 minute' },
    );
    expect((await expectSameAnswers(input)).newerChain).toBe(false);
    await chain(input, { workflowId: `newer-${randomUUID()}`, startedAgo: '1 minute' });
    expect((await expectSameAnswers(input)).newerChain).toBe(true);
    // The chain's own end is not another chain's (a first step retried after its chain ended).
    await database.sql`update chains set status = 'finished', finished_at = now() where workflow_id = ${input.workflowId}`;
    expect((await expectSameAnswers(input)).lastOtherChainEnd).toBe(before.lastOtherChainEnd);
    // The cooldown's figure is asked for by the first step only.
    expect((await expectSameAnswers({ ...input, withLastChainEnd: false })).lastOtherChainEnd).toBeNull();
  });

  it('recent sends: marketing emails sent within the window, to the millisecond, and unconfirmed ones claimed in it; not internal, skipped or older ones', async () => {
    const input = await customerWithCart(`freq-${randomUUID().slice(0, 8)}@example.com`);
    await message(input, { key: `k-${randomUUID()}`, status: 'sent', sentAgo: '2 hours' });
    await message(input, { key: `k-${randomUUID()}`, status: 'sent', sentAgo: '3 days 4 hours 5.678 seconds' });
    await message(input, { key: `k-${randomUUID()}`, status: 'sent', sentAgo: '8 days' });
    await message(input, { key: `k-${randomUUID()}`, status: 'sent', kind: 'internal', sentAgo: '1 hour' });
    await message(input, { key: `k-${randomUUID()}`, status: 'skipped' });
    await message(input, { key: input.key, status: 'sending' });
    // Not sent again after an attempt died mid-send: it may have reached the customer.
    await message(input, { key: `k-${randomUUID()}`, status: 'unconfirmed', claimedAgo: '5 hours' });
    await message(input, { key: `k-${randomUUID()}`, status: 'unconfirmed', claimedAgo: '9 days' });
    const facts = await expectSameAnswers(input);
    expect(facts.recentMarketingSends).toHaveLength(3);
    expect(facts.messageStatus).toBe('sending');
  });

  it('the cart’s newest code, whatever its status, and none when not asked for', async () => {
    const input = await customerWithCart(`code-${randomUUID().slice(0, 8)}@example.com`);
    await code(input, { key: `c-${randomUUID()}`, status: 'active', createdAgo: '2 hours', value: '5.5' });
    expect((await expectSameAnswers(input)).latestCode).toMatchObject({ status: 'active', value: '5.5000' });
    await code(input, { key: `c-${randomUUID()}`, status: 'disabled', createdAgo: '1 hour', value: '10' });
    const facts = await expectSameAnswers(input);
    expect(facts.latestCode).toMatchObject({ status: 'disabled', type: 'fixed', currency: 'EUR', value: '10.0000' });
    expect(facts.latestCode?.expiresAt).toBeInstanceOf(Date);
    expect((await expectSameAnswers({ ...input, withLatestCode: false })).latestCode).toBeNull();
  });
});

describe('loadStepFacts with startChain: the first step records its chain in the same statement', () => {
  const DAY_MS = 24 * 3_600_000;

  function chainStart(input: StepFactsInput, { now, cooldown }: { now: number; cooldown: number }): ChainStart {
    return {
      workflowId: input.workflowId,
      shopId,
      cartId: input.cartId,
      trigger: input.trigger,
      campaignId: 'consumer',
      campaignVersion: 3,
      segment: 'everyone',
      arm: 'treated',
      variants: { reminder: 'b' },
      currency: 'EUR',
      conversionUntil: new Date(now + 10 * DAY_MS),
      now,
      reentryCooldown: cooldown,
    };
  }

  const chainRows = (workflowId: string) =>
    database.sql`select shop_id, customer_id, cart_id, trigger, campaign_id, campaign_version, segment, status,
        arm, variants, currency, conversion_until from chains where workflow_id = ${workflowId}`;

  it('records the row once, with the customer it found; the facts are those of before the row', async () => {
    const input = await customerWithCart(`start-${randomUUID().slice(0, 8)}@example.com`);
    const now = Date.now();
    const start = { ...input, startChain: chainStart(input, { now, cooldown: 7 * DAY_MS }) };
    const first = await loadStepFacts(database.db, start);
    expect(sortedFacts(first)).toEqual({
      ...sortedFacts(await factsOneByOne(database.db, input)),
      chainRecorded: false,
      chainStarted: true,
    });
    expect(await chainRows(input.workflowId)).toEqual([
      {
        shop_id: shopId,
        customer_id: String(await customerIdOf(input)),
        cart_id: input.cartId,
        trigger: 'cart.abandoned',
        campaign_id: 'consumer',
        campaign_version: 3,
        segment: 'everyone',
        status: 'active',
        arm: 'treated',
        variants: { reminder: 'b' },
        currency: 'EUR',
        conversion_until: new Date(now + 10 * DAY_MS),
      },
    ]);
    // A retried first step finds its row and records nothing more.
    expect(await loadStepFacts(database.db, start)).toMatchObject({ chainRecorded: true, chainStarted: false });
    expect(await chainRows(input.workflowId)).toHaveLength(1);
  });

  it('a shopper the shop has no customer row for: the chain is recorded without one', async () => {
    const input = await customerWithCart(`known-${randomUUID().slice(0, 8)}@example.com`);
    const stranger = { ...input, email: `stranger-${randomUUID().slice(0, 8)}@example.com` };
    const facts = await loadStepFacts(database.db, {
      ...stranger,
      startChain: chainStart(stranger, { now: Date.now(), cooldown: 7 * DAY_MS }),
    });
    expect(facts).toMatchObject({ customer: null, chainStarted: true });
    expect(await chainRows(input.workflowId)).toEqual([expect.objectContaining({ customer_id: null })]);
  });

  it('the re-entry cooldown: no row while it keeps the customer out, as checkReentry decides to the millisecond', async () => {
    const cooldown = 7 * DAY_MS;
    const input = await customerWithCart(`cool-${randomUUID().slice(0, 8)}@example.com`);
    // Ended at a fraction of a millisecond: the statement must floor it as the facts do.
    await chain(input, {
      workflowId: `ended-${randomUUID()}`,
      startedAgo: '3 days',
      finishedAgo: '2 days 0.0004 seconds',
    });
    const ended = (await loadStepFacts(database.db, input)).lastOtherChainEnd;
    if (ended === null) throw new Error('the ended chain was not found');
    for (const now of [ended + cooldown - 1, ended + cooldown]) {
      const allowed = checkReentry({ now, lastChainEndedAt: ended, cooldown }).allowed;
      const facts = await loadStepFacts(database.db, { ...input, startChain: chainStart(input, { now, cooldown }) });
      expect({ now: now - ended, started: facts.chainStarted }).toEqual({ now: now - ended, started: allowed });
      expect(await chainRows(input.workflowId)).toHaveLength(allowed ? 1 : 0);
    }
    expect(await chainRows(input.workflowId)).toHaveLength(1);
  });

  it('another trigger’s chain, or one still running, does not keep the customer out', async () => {
    const input = await customerWithCart(`other-${randomUUID().slice(0, 8)}@example.com`);
    await chain(
      { ...input, trigger: 'customer.created' },
      { workflowId: `welcome-${randomUUID()}`, startedAgo: '2 hours', finishedAgo: '1 hour' },
    );
    await chain(input, { workflowId: `running-${randomUUID()}`, startedAgo: '1 hour' });
    const facts = await loadStepFacts(database.db, {
      ...input,
      startChain: chainStart(input, { now: Date.now(), cooldown: 7 * DAY_MS }),
    });
    expect(facts.chainStarted).toBe(true);
  });
});

it('a cart’s newest code is found through its index, not by reading every code the shop issued', async () => {
  // With 200,000 codes a reminder's facts statement took 33 ms on a scan, 0.5 ms on the index.
  const plan = await database.sql.begin(async (tx) => {
    await tx`set local enable_seqscan = off`;
    return tx`explain select code from discount_codes where shop_id = ${shopId} and cart_id = ${'cart-1'}
      order by created_at desc limit 1`;
  });
  expect(plan.map((row) => String(row['QUERY PLAN'])).join('\n')).toContain('discount_codes_cart_idx');
});
