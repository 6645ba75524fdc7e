import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from '@temporalio/client';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createChainStopper } from '../../app/chain-stopper';
import { addressesOfShop, eraseShop } from '../../app/shop-erase';
import { cartWorkflowId } from '../../domain/ids';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { consumerCampaign } from '../helpers/campaigns';
import { TEST_SECRET } from '../helpers/cart-events';
import type { TestDatabase } from '../helpers/database';
import { createTestRelay } from '../helpers/outbox-relay';
import { useDatabaseAndTemporal } from '../helpers/database-and-temporal';

// shop/redact as Shopify sends it 48 h after an uninstall: every person of the shop is erased
// through the privacy erase. Real Postgres (a database of its own: this erases whole shops) and
// the real Temporal dev server (no worker: the chains are told to stop, nothing runs them).
const SHOP_DOMAIN = 'snowdevil.myshopify.com';
const CLIENT_SECRET = 'shpss_0123456789abcdef0123456789abcdef';
const taskQueue = 'shop-redact-test-no-worker';

let database: TestDatabase;
let client: Client;
useDatabaseAndTemporal((opened) => ({ database, client } = opened));

/** `shopDomain` null: SHOPIFY_SHOP_DOMAIN unset (webhooks from any shop are verified and read). */
function appFor(shopId: string, shopDomain: string | null = SHOP_DOMAIN) {
  return appAndRelayFor(shopId, shopDomain).app;
}

/** The app and the relay its webhooks wake, to start the chains the redact is to stop. */
function appAndRelayFor(shopId: string, shopDomain: string | null = SHOP_DOMAIN) {
  const workflows = createCartWorkflows({
    client,
    taskQueue,
    abandonAfterMs: 3_600_000,
    campaigns: [consumerCampaign()],
  });
  const relay = createTestRelay({ db: database.db, workflows });
  const app = createApp({
    db: database.db,
    workflows,
    relay,
    config: {
      shopId,
      webhookSecret: TEST_SECRET,
      webhookMaxBytes: 256 * 1024,
      webhookToleranceMs: 300_000,
      shopify: { clientSecrets: [CLIENT_SECRET], ...(shopDomain ? { shopDomain } : {}) },
    },
    chains: createChainStopper({ db: database.db, client }),
    logger: pino({ level: 'silent' }),
  });
  return { app, relay };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../fixtures/shopify/${name}.json`, import.meta.url), 'utf8')) as Json;

/** A delivery as Shopify makes it: base64(HMAC-SHA256(raw body, client secret)) and its headers. */
function send(app: ReturnType<typeof appFor>, body: unknown, topic: string) {
  const raw = JSON.stringify(body);
  return app.request('/webhooks/shopify', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-hmac-sha256': createHmac('sha256', CLIENT_SECRET).update(raw).digest('base64'),
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': SHOP_DOMAIN,
      'x-shopify-webhook-id': randomUUID(),
      'x-shopify-api-version': '2026-01',
    },
    body: raw,
  });
}

function checkout(email: string, name: { first: string; last: string }): Json {
  const body = fixture('checkouts-create');
  const token = randomUUID().replace(/-/g, '');
  return {
    ...body,
    token,
    email,
    abandoned_checkout_url: `https://checkout.local/548380009/checkouts/${token}/recover?key=secret`,
    customer: {
      ...body.customer,
      id: null,
      admin_graphql_api_id: null,
      email,
      first_name: name.first,
      last_name: name.last,
    },
  };
}

/** Three people in the shop, names and addresses that break naive code. */
async function fillShop(shopId: string) {
  const { app, relay } = appAndRelayFor(shopId);
  const suffix = randomUUID().slice(0, 6);
  const people = [
    { email: `o'brien-${suffix}@example.com`, first: 'Seán', last: "O'Brien & Sons" },
    { email: `анна-${suffix}@пример.рф`, first: 'Анна', last: 'Иванова' },
    { email: `dalia-${suffix}@example.org`, first: 'داليا', last: 'حداد' },
  ];
  const carts = [];
  for (const person of people) {
    const body = checkout(person.email, person);
    expect((await send(app, body, 'checkouts/create')).status).toBe(202);
    carts.push(body.token as string);
  }
  // The webhooks only stored the events: let the relay start the chains, as a server's would.
  await relay.deliver();
  return { app, people, carts };
}

const rowsOfShop = async (shopId: string) => {
  const [counts] = await database.sql`
    select
      -- An erased event stays as a tombstone without its body (so a late retry is a duplicate).
      (select count(*)::int from cart_events where shop_id = ${shopId} and payload ? 'data') as events,
      (select count(*)::int from carts where shop_id = ${shopId} and snapshot is not null) as snapshots,
      (select count(*)::int from customers where shop_id = ${shopId} and email not like '%@erased.invalid') as customers`;
  return counts;
};

async function signalsOf(shopId: string, cartId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(cartWorkflowId({ shopId, cartId })).fetchHistory();
  return (history.events ?? []).flatMap((event) => event.workflowExecutionSignaledEventAttributes?.signalName ?? []);
}

describe('shop/redact', () => {
  it('erases every person of the shop, stops their chains, and leaves another shop alone', async () => {
    const shopId = `redact-${randomUUID().slice(0, 6)}`;
    const otherShop = `other-${randomUUID().slice(0, 6)}`;
    const { app, people, carts } = await fillShop(shopId);
    await fillShop(otherShop);
    expect(await rowsOfShop(shopId)).toEqual({ events: 3, snapshots: 3, customers: 3 });

    const response = await send(app, fixture('shop-redact'), 'shop/redact');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'erased', topic: 'shop/redact', erased: 3, remaining: 0 });

    expect(await rowsOfShop(shopId)).toEqual({ events: 0, snapshots: 0, customers: 0 });
    expect(await addressesOfShop(database.db, shopId)).toEqual([]);
    const dump = JSON.stringify(await database.sql`select * from customers where shop_id = ${shopId}`);
    for (const person of people) expect(dump).not.toContain(person.email.split('@')[0]);
    for (const cartId of carts) expect(await signalsOf(shopId, cartId)).toEqual(['stopChain']);
    expect(await rowsOfShop(otherShop)).toEqual({ events: 3, snapshots: 3, customers: 3 });

    // Shopify delivers again (a retry, or a second uninstall): nothing left, still a 200.
    const again = await send(app, fixture('shop-redact'), 'shop/redact');
    expect(await again.json()).toEqual({ status: 'erased', topic: 'shop/redact', erased: 0, remaining: 0 });
  });

  it('a body for another shop than its header, or without shop_domain, is a 400 and erases nothing', async () => {
    const shopId = `redact-${randomUUID().slice(0, 6)}`;
    const { app } = await fillShop(shopId);
    const wrong = await send(app, { shop_id: 1, shop_domain: 'someone-else.myshopify.com' }, 'shop/redact');
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as Json).message).toMatch(
      /shop_domain someone-else\.myshopify\.com is not the X-Shopify-Shop-Domain/,
    );
    const missing = await send(app, { shop_id: 954889 }, 'shop/redact');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as Json).issues).toEqual([
      { path: 'shop_domain', message: 'is required; must be text of 1 to 255 characters' },
    ]);
    expect(await rowsOfShop(shopId)).toEqual({ events: 3, snapshots: 3, customers: 3 });
  });

  it('without SHOPIFY_SHOP_DOMAIN the install cannot tell its shop from another: acknowledged, nothing erased', async () => {
    const shopId = `redact-${randomUUID().slice(0, 6)}`;
    await fillShop(shopId);
    const response = await send(appFor(shopId, null), fixture('shop-redact'), 'shop/redact');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'acknowledged',
      reason: 'shop_domain_not_configured',
      topic: 'shop/redact',
    });
    expect(await rowsOfShop(shopId)).toEqual({ events: 3, snapshots: 3, customers: 3 });
  });

  it('a shop too large for one answer is erased across calls: each erases at least one person', async () => {
    const shopId = `redact-${randomUUID().slice(0, 6)}`;
    await fillShop(shopId);
    const chains = createChainStopper({ db: database.db, client });
    const past = { db: database.db, chains, now: () => 2 };
    expect(await eraseShop(past, { shopId, deadline: 1 })).toEqual({ erased: 1, remaining: 2, complete: false });
    expect(await eraseShop(past, { shopId, deadline: 1 })).toEqual({ erased: 1, remaining: 1, complete: false });
    expect(await eraseShop({ db: database.db, chains }, { shopId, deadline: Date.now() + 60_000 })).toEqual({
      erased: 1,
      remaining: 0,
      complete: true,
    });
    expect(await rowsOfShop(shopId)).toEqual({ events: 0, snapshots: 0, customers: 0 });
  });
});
