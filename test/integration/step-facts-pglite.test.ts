import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getCustomer, storeCartEvent } from '../../db/cart-store';
import { recordChainStart } from '../../db/chain-store';
import { type Database, openDatabase, rowsOf } from '../../db/client';
import { insertCode } from '../../db/discount-store';
import { claimSend, recordSent } from '../../db/message-store';
import { optOut } from '../../db/preference-store';
import { loadStepFacts } from '../../db/step-facts';
import { suppress } from '../../db/suppression-store';
import { CartUpdatedEvent } from '../../domain/events';
import { cartUpdatedEvent } from '../helpers/cart-events';
import { factsOneByOne, sortedFacts } from '../helpers/step-facts-one-by-one';

// The embedded default (PGlite) runs the same statement: its driver hands back rows, JSON and
// 64-bit integers its own way, and the facts must come out the same as on PostgreSQL.
const shopId = 'shop-embedded-facts';
let dir: string;
let database: Database;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-step-facts-'));
  database = await openDatabase({ pgliteDir: path.join(dir, 'pglite') });
  await database.migrate();
}, 120_000);
afterAll(async () => {
  await database?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('on the embedded database, one statement gives the answers of one query per fact', async () => {
  const { db } = database;
  const event = CartUpdatedEvent.parse(cartUpdatedEvent({ customer: { email: "d'artagnan@пример.рф" } }));
  await storeCartEvent(db, { shopId, event, payload: event });
  const cartId = event.data.id;
  const email = event.data.customer.email;
  const customer = await getCustomer(db, { shopId, email });
  const workflowId = `cart:${shopId}:${cartId}`;
  await recordChainStart(db, {
    workflowId,
    shopId,
    customerId: customer?.id ?? null,
    cartId,
    trigger: 'cart.abandoned',
    campaignId: 'consumer',
    campaignVersion: 1,
    segment: 'everyone',
  });
  await suppress(db, { shopId, email, reason: 'complaint', source: 'test' });
  await optOut(db, { shopId, email, categories: ['cart_reminders'] });
  const sent = `cart:${shopId}:${cartId}:reminder`;
  await claimSend(db, {
    key: sent,
    shopId,
    cartId,
    customerId: customer?.id ?? null,
    step: 'reminder',
    templateId: 'cart-reminder',
    templateVersion: 'v1',
    messageIdHeader: '<x@example.com>',
  });
  await recordSent(db, { key: sent, smtpResponse: '250 OK' });
  await db.execute(sql`insert into orders (shop_id, order_id, customer_id, cart_id, placed_at, currency, total_minor)
    values (${shopId}, 'order-1', ${customer?.id ?? null}, 'another-cart', now(), 'EUR', 1990)`);
  await insertCode(db, {
    key: `${sent}:code`,
    shopId,
    cartId,
    customerId: customer?.id ?? null,
    code: 'EMBEDDED10',
    type: 'percent',
    value: '10',
    expiresAt: new Date(Date.now() + 86_400_000),
    source: 'builtin',
  });

  const input = {
    shopId,
    cartId,
    workflowId,
    email,
    key: `cart:${shopId}:${cartId}:incentive`,
    trigger: 'cart.abandoned',
    category: 'cart_reminders',
    enteredAt: new Date(Date.now() - 3_600_000),
    sendsSince: new Date(Date.now() - 7 * 86_400_000),
    withLastChainEnd: true,
    withLatestCode: true,
  };
  const facts = await loadStepFacts(db, input);
  expect(sortedFacts(facts)).toEqual(sortedFacts(await factsOneByOne(db, input)));
  expect(facts).toMatchObject({
    customer: { id: customer?.id, marketingConsent: true },
    suppression: 'complaint',
    optedOut: true,
    orderedSince: true,
    chainRecorded: true,
    latestCode: { code: 'EMBEDDED10', status: 'active', value: '10.0000' },
  });
  expect(facts.recentMarketingSends).toHaveLength(1);
}, 60_000);

it('on the embedded database, the first step records its chain in the same statement, once', async () => {
  const { db } = database;
  const event = CartUpdatedEvent.parse(cartUpdatedEvent({ customer: { email: 'Zoë.إيمان@example.com' } }));
  await storeCartEvent(db, { shopId, event, payload: event });
  const cartId = event.data.id;
  const email = event.data.customer.email;
  const workflowId = `cart:${shopId}:${cartId}`;
  const now = Date.now();
  const input = {
    shopId,
    cartId,
    workflowId,
    email,
    key: `cart:${shopId}:${cartId}:reminder`,
    trigger: 'cart.abandoned',
    category: 'cart_reminders',
    enteredAt: new Date(now - 3_600_000),
    sendsSince: new Date(now - 7 * 86_400_000),
    withLastChainEnd: true,
    withLatestCode: true,
    startChain: {
      workflowId,
      shopId,
      cartId,
      trigger: 'cart.abandoned',
      campaignId: 'consumer',
      campaignVersion: 1,
      segment: 'everyone',
      variants: { reminder: 'a' },
      currency: 'EUR',
      now,
      reentryCooldown: 7 * 86_400_000,
    },
  };
  expect(await loadStepFacts(db, input)).toMatchObject({ chainRecorded: false, chainStarted: true });
  expect(await loadStepFacts(db, input)).toMatchObject({ chainRecorded: true, chainStarted: false });
  const customer = await getCustomer(db, { shopId, email });
  const rows = rowsOf<{ customer_id: unknown; variants: unknown }>(
    await db.execute(sql`select customer_id, variants from chains where workflow_id = ${workflowId}`),
  );
  expect(rows.map((row) => ({ ...row, customer_id: Number(row.customer_id) }))).toEqual([
    { customer_id: customer?.id, variants: { reminder: 'a' } },
  ]);
}, 60_000);
