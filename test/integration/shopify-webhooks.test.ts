import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createChainStopper } from '../../app/chain-stopper';
import { loadConfig } from '../../config/env';
import { Campaign } from '../../domain/campaign';
import { cartWorkflowId } from '../../domain/ids';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { createOutboxRelay } from '../../server/outbox-relay';
import type { ShopifyConfig } from '../../server/shopify-routes';
import { consumerCampaign } from '../helpers/campaigns';
import { TEST_SECRET } from '../helpers/cart-events';
import type { TestDatabase } from '../helpers/database';
import { useDatabaseAndTemporal } from '../helpers/database-and-temporal';

// Shopify's webhooks as its documentation shows them, signed the way Shopify signs them, against
// real Postgres and the real Temporal dev server (no worker: what is stored and started counts).
const shopId = 'shop-shopify';
const taskQueue = 'shopify-test-no-worker';
const SHOP_DOMAIN = 'snowdevil.myshopify.com';
const CLIENT_SECRET = 'shpss_0123456789abcdef0123456789abcdef';
const PREVIOUS_SECRET = 'shpss_previous_fedcba9876543210fedcba98';

const welcomeCampaign = Campaign.parse({
  id: 'welcome',
  version: 1,
  name: 'Welcome',
  priority: 1,
  trigger: 'customer.created',
  audience: 'everyone',
  steps: [{ id: 'welcome', delay: '0s', template: 'cart-reminder' }],
});

let database: TestDatabase;
let client: Client;
useDatabaseAndTemporal((opened) => ({ database, client } = opened));

function appWith(shopify: Partial<ShopifyConfig> = {}, limits: { shopifyWebhookMaxBytes?: number } = {}) {
  const workflows = createCartWorkflows({
    client,
    taskQueue,
    abandonAfterMs: 3_600_000,
    campaigns: [consumerCampaign(), welcomeCampaign],
  });
  const relay = createOutboxRelay({ db: database.db, workflows, logger: pino({ level: 'silent' }) });
  const app = createApp({
    db: database.db,
    workflows,
    relay,
    config: {
      shopId,
      webhookSecret: TEST_SECRET,
      webhookMaxBytes: 256 * 1024,
      ...limits,
      webhookToleranceMs: 300_000,
      shopify: { clientSecrets: [CLIENT_SECRET, PREVIOUS_SECRET], shopDomain: SHOP_DOMAIN, ...shopify },
    },
    chains: createChainStopper({ db: database.db, client }),
    logger: pino({ level: 'silent' }),
  });
  return { app, relay };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../fixtures/shopify/${name}.json`, import.meta.url), 'utf8')) as Json;

/** A checkout as in Shopify's docs, with its own token and buyer so tests do not meet. */
function checkout(email = `buyer-${randomUUID().slice(0, 8)}@example.com`): Json {
  const body = fixture('checkouts-create');
  const token = randomUUID().replace(/-/g, '');
  return {
    ...body,
    token,
    email,
    abandoned_checkout_url: `https://checkout.local/548380009/checkouts/${token}/recover?key=example-secret-token`,
    customer: { ...body.customer, email },
  };
}

interface SendOptions {
  topic: string;
  webhookId?: string;
  secret?: string;
  shopDomain?: string;
  /** Sign this body but send `sentBody` (a tampered request). */
  sentBody?: string;
  omit?: readonly string[];
  /** X-Shopify-Triggered-At; default now. */
  triggeredAt?: string;
}

/** A delivery as Shopify makes it: base64(HMAC-SHA256(raw body, client secret)) and its headers. */
function shopifyRequest(body: unknown, options: SendOptions): RequestInit {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-shopify-hmac-sha256': createHmac('sha256', options.secret ?? CLIENT_SECRET)
      .update(raw)
      .digest('base64'),
    'x-shopify-topic': options.topic,
    'x-shopify-shop-domain': options.shopDomain ?? SHOP_DOMAIN,
    'x-shopify-webhook-id': options.webhookId ?? randomUUID(),
    'x-shopify-api-version': '2026-01',
    'x-shopify-triggered-at': options.triggeredAt ?? new Date().toISOString(),
  };
  for (const name of options.omit ?? []) delete headers[name];
  return { method: 'POST', headers, body: options.sentBody ?? raw };
}

/** Sends the delivery, then lets the outbox relay deliver what it stored (as a server's relay would at once). */
async function send(body: unknown, options: SendOptions, target = appWith()) {
  const response = await target.app.request('/webhooks/shopify', shopifyRequest(body, options));
  await target.relay.drain();
  return response;
}

const storedEvents = async (eventId: string) =>
  (await database.sql`select count(*)::int as n from cart_events where event_id = ${eventId}`)[0]?.n as number;

async function workflowExists(cartId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(cartWorkflowId({ shopId, cartId })).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

async function signalsOf(cartId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(cartWorkflowId({ shopId, cartId })).fetchHistory();
  return (history.events ?? []).flatMap((event) => event.workflowExecutionSignaledEventAttributes?.signalName ?? []);
}

describe('POST /webhooks/shopify: verification', () => {
  it('a checkout signed with the client secret starts the cart workflow with the restore link', async () => {
    const body = checkout();
    const webhookId = randomUUID();
    const response = await send(body, { topic: 'checkouts/create', webhookId });
    expect(response.status).toBe(202);
    const workflowId = cartWorkflowId({ shopId, cartId: body.token });
    expect(await response.json()).toEqual({ status: 'accepted', eventId: webhookId, workflowId });

    const description = await client.workflow.getHandle(workflowId).describe();
    expect(description.type).toBe('abandonedCartWorkflow');
    const [cart] = await database.sql`select currency, total::text, snapshot from carts where cart_id = ${body.token}`;
    expect(cart?.currency).toBe('USD');
    expect(cart?.total).toBe('410.5000');
    expect(cart?.snapshot).toMatchObject({
      recoveryUrl: body.abandoned_checkout_url,
      items: [
        { sku: 'IPOD2008PINK', name: 'IPod Nano - 8GB – Pink', quantity: 2, unitPrice: '199.00' },
        { sku: 'variant-457924702', name: 'Jacques\' "Café" & Crème mug', quantity: 1, unitPrice: '12.50' },
      ],
      customer: { email: body.email, name: 'John Smith', locale: 'en-CA', marketingConsent: true },
    });
    // The documentation's 64-bit customer id survives JSON.parse through admin_graphql_api_id.
    const [customer] = await database.sql`select external_id from customers where email = ${body.email}`;
    expect(customer?.external_id).toBe('603851970716743426');
    // Shopify's body is kept beside the event, with the headers that explain it.
    const [event] = await database.sql`select payload from cart_events where event_id = ${webhookId}`;
    expect(event?.payload.shopify).toMatchObject({
      topic: 'checkouts/create',
      shopDomain: SHOP_DOMAIN,
      apiVersion: '2026-01',
      payload: { token: body.token, cart_token: body.cart_token },
    });
  });

  it('accepts the previous secret during a rotation', async () => {
    const body = checkout();
    expect((await send(body, { topic: 'checkouts/create', secret: PREVIOUS_SECRET })).status).toBe(202);
  });

  it.each([
    ['a tampered body', { sentBody: 'tampered' }, 'bad_signature'],
    ['a wrong secret', { secret: 'shpss_not_the_apps_secret_at_all_0000' }, 'bad_signature'],
    ['no HMAC header', { omit: ['x-shopify-hmac-sha256'] }, 'missing_signature'],
  ] as const)('%s: 401, nothing stored, no workflow', async (_, options, error) => {
    const body = checkout();
    const webhookId = randomUUID();
    const sentBody = 'sentBody' in options ? JSON.stringify({ ...body, total_price: '0.01' }) : undefined;
    const response = await send(body, { topic: 'checkouts/create', webhookId, ...options, sentBody });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error });
    expect(await storedEvents(webhookId)).toBe(0);
    expect(await workflowExists(body.token)).toBe(false);
  });

  it('the same webhook id twice: the redelivery is a no-op', async () => {
    const body = checkout();
    const webhookId = randomUUID();
    expect((await send(body, { topic: 'checkouts/create', webhookId })).status).toBe(202);
    const again = await send(body, { topic: 'checkouts/create', webhookId });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate', eventId: webhookId });
    expect(await storedEvents(webhookId)).toBe(1);
    expect(await signalsOf(body.token)).toEqual([]);
  });

  it('a topic cartflow does not handle: 200, nothing stored', async () => {
    const webhookId = randomUUID();
    const response = await send({ id: 1, title: 'x' }, { topic: 'products/update', webhookId });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ignored', topic: 'products/update' });
    expect(await storedEvents(webhookId)).toBe(0);
  });

  it('another shop: 403 naming the domain', async () => {
    const body = checkout();
    const response = await send(body, { topic: 'checkouts/create', shopDomain: 'other-shop.myshopify.com' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { message: string }).message).toContain('other-shop.myshopify.com');
    expect(await workflowExists(body.token)).toBe(false);
  });

  it('a missing field or a currency the shop does not sell in: 400 naming the field, nothing started', async () => {
    const { abandoned_checkout_url: _, ...withoutUrl } = checkout();
    const missing = await send(withoutUrl, { topic: 'checkouts/create' });
    expect(missing.status).toBe(400);
    expect((await missing.json()) as object).toMatchObject({
      issues: [{ path: 'abandoned_checkout_url', message: expect.stringContaining('is required') }],
    });
    expect(await workflowExists(withoutUrl.token)).toBe(false);

    const body: Json = { ...checkout(), presentment_currency: 'GBP' };
    const webhookId = randomUUID();
    const wrong = await send(body, { topic: 'checkouts/create', webhookId }, appWith({ currencies: ['USD', 'EUR'] }));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { message: string }).message).toContain('presentment_currency: GBP');
    expect(await storedEvents(webhookId)).toBe(0);
    expect(await workflowExists(body.token)).toBe(false);

    // An order whose processed_at PostgreSQL cannot hold (year 0000): a 400 naming it, not a 500 retried for ever.
    const yearZero = { ...fixture('orders-create'), checkout_token: body.token, processed_at: '0000-01-01T00:00:00Z' };
    const orderId = randomUUID();
    const unstorable = await send(yearZero, { topic: 'orders/create', webhookId: orderId });
    expect(unstorable.status).toBe(400);
    expect((await unstorable.json()) as object).toMatchObject({
      issues: [{ path: 'processed_at', message: expect.stringContaining('from year 0001 to 9999') }],
    });
    expect(await storedEvents(orderId)).toBe(0);

    const headerless = await send(checkout(), { topic: 'checkouts/create', omit: ['x-shopify-webhook-id'] });
    expect(headerless.status).toBe(400);
    expect(((await headerless.json()) as { message: string }).message).toContain('X-Shopify-Webhook-Id');
  });
});

describe('POST /webhooks/shopify: topics', () => {
  it("orders/create with the checkout's token: order stored in minor units, the chain gets the order", async () => {
    const body = checkout();
    expect((await send(body, { topic: 'checkouts/create' })).status).toBe(202);
    const id = Date.now();
    const order = {
      ...fixture('orders-create'),
      id,
      admin_graphql_api_id: `gid://shopify/Order/${id}`,
      checkout_token: body.token,
      email: body.email,
    };
    const response = await send(order, { topic: 'orders/create' });
    expect(response.status).toBe(202);

    const [row] = await database.sql`select cart_id, currency, total_minor::int, discount_codes, placed_at
      from orders where order_id = ${String(order.id)}`;
    expect(row).toMatchObject({ cart_id: body.token, currency: 'USD', total_minor: 39800, discount_codes: ['SAVE10'] });
    expect(row?.placed_at.toISOString()).toBe('2026-04-10T15:02:04.000Z');
    const [cart] = await database.sql`select status from carts where cart_id = ${body.token}`;
    expect(cart?.status).toBe('purchased');
    expect(await signalsOf(body.token)).toEqual(['orderPlaced']);
  });

  it("an order paid in another currency than the shop's is stored, and its journeys get it, in the buyer's currency", async () => {
    // A USD shop selling in CAD (Shopify Markets): `total_price` and each line's `price` are USD, the
    // `*_set` bags hold what the buyer paid. The cart was in CAD; its order must be too.
    const body: Json = { ...checkout(), currency: 'USD', presentment_currency: 'CAD' };
    expect((await send(body, { topic: 'checkouts/create' })).status).toBe(202);
    const id = Date.now() + 1;
    const bag = (shop: string, buyer: string) => ({
      shop_money: { amount: shop, currency_code: 'USD' },
      presentment_money: { amount: buyer, currency_code: 'CAD' },
    });
    const base = fixture('orders-create');
    const order = {
      ...base,
      id,
      admin_graphql_api_id: `gid://shopify/Order/${id}`,
      checkout_token: body.token,
      email: body.email,
      currency: 'USD',
      presentment_currency: 'CAD',
      total_price: '398.00',
      total_price_set: bag('398.00', '545.26'),
      line_items: (base.line_items as Json[]).map((line) => ({ ...line, price_set: bag('199.00', '272.63') })),
    };
    const webhookId = randomUUID();
    expect((await send(order, { topic: 'orders/create', webhookId })).status).toBe(202);
    const [row] =
      await database.sql`select currency, total_minor::int, items from orders where order_id = ${String(id)}`;
    expect(row).toMatchObject({ currency: 'CAD', total_minor: 54526 });
    expect(row?.items[0]).toMatchObject({ unitPrice: '272.63' });
    // What the post-purchase journey renders its email from.
    const [event] = await database.sql`select payload from cart_events where event_id = ${webhookId}`;
    expect(event?.payload.data).toMatchObject({ currency: 'CAD', total: '545.26', items: [{ unitPrice: '272.63' }] });

    // Without the buyer's amounts, the order stays whole in the shop's currency.
    const plain = {
      ...order,
      id: id + 1,
      admin_graphql_api_id: `gid://shopify/Order/${id + 1}`,
      total_price_set: null,
    };
    expect((await send(plain, { topic: 'orders/create' })).status).toBe(202);
    const [shopCurrency] =
      await database.sql`select currency, total_minor::int from orders where order_id = ${String(id + 1)}`;
    expect(shopCurrency).toMatchObject({ currency: 'USD', total_minor: 39800 });
  });

  it('a 220-line order as Shopify sends it (over 256 KB) is taken under the default limits and stops the chain', async () => {
    // Each line as in Shopify's orders/create sample, with a tax line, a discount and their money bags.
    const body = checkout();
    expect((await send(body, { topic: 'checkouts/create' })).status).toBe(202);
    const usd = (amount: string) => ({
      shop_money: { amount, currency_code: 'USD' },
      presentment_money: { amount, currency_code: 'USD' },
    });
    const base = fixture('orders-create');
    const [line] = base.line_items as Json[];
    const lines = Array.from({ length: 220 }, (_, index) => ({
      ...line,
      id: 487817672276298554 + index,
      admin_graphql_api_id: `gid://shopify/LineItem/${487817672276298554 + index}`,
      sku: `SKU2006-${index}`,
      price: '2.00',
      price_set: usd('2.00'),
      total_discount_set: usd('0.00'),
      tax_lines: [{ channel_liable: false, price: '0.12', price_set: usd('0.12'), rate: 0.06, title: 'State Tax' }],
      discount_allocations: [{ amount: '0.00', amount_set: usd('0.00'), discount_application_index: 0 }],
      properties: [{ name: 'Engraving', value: 'For Ann' }],
      origin_location: {
        id: 24826418,
        country_code: 'DE',
        name: 'Apple',
        address1: 'Hauptstr. 1',
        city: 'Berlin',
        zip: '10115',
      },
      attributed_staffs: [{ id: 'gid://shopify/StaffMember/902541635', quantity: 1 }],
    }));
    const id = Date.now() + 3;
    const order = {
      ...base,
      id,
      admin_graphql_api_id: `gid://shopify/Order/${id}`,
      checkout_token: body.token,
      email: body.email,
      total_price: '440.00',
      line_items: lines,
    };
    expect(JSON.stringify(order).length).toBeGreaterThan(256 * 1024);
    const { SHOPIFY_WEBHOOK_MAX_BYTES } = loadConfig({});
    const target = appWith({}, { shopifyWebhookMaxBytes: SHOPIFY_WEBHOOK_MAX_BYTES });
    const response = await send(order, { topic: 'orders/create' }, target);
    expect(response.status).toBe(202);
    const [cart] = await database.sql`select status from carts where cart_id = ${body.token}`;
    expect(cart?.status).toBe('purchased');
    expect(await signalsOf(body.token)).toEqual(['orderPlaced']);
  });

  it('customers/create starts the welcome journey, linking to the shop', async () => {
    const id = Date.now();
    const customer = {
      ...fixture('customers-create'),
      id,
      admin_graphql_api_id: `gid://shopify/Customer/${id}`,
      email: `new-${randomUUID().slice(0, 8)}@example.com`,
    };
    const webhookId = randomUUID();
    const response = await send(customer, { topic: 'customers/create', webhookId });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      journeys: [`journey:${shopId}:customer.created:${customer.id}`],
    });
    const [event] = await database.sql`select payload from cart_events where event_id = ${webhookId}`;
    expect(event?.payload.data).toMatchObject({ welcomeUrl: `https://${SHOP_DOMAIN}/`, currency: 'USD' });
  });

  it('customers/update withdrawing consent: customer row updated, the waiting cart told to stop', async () => {
    const body = checkout();
    expect((await send(body, { topic: 'checkouts/create' })).status).toBe(202);
    const update = { ...fixture('customers-update'), email: body.email };
    const response = await send(update, { topic: 'customers/update' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'consent_withdrawn' });
    const [customer] = await database.sql`select marketing_consent from customers where email = ${body.email}`;
    expect(customer?.marketing_consent).toBe(false);
    expect(await signalsOf(body.token)).toEqual(['stopChain']);
  });

  it('customers_email_marketing_consent/update (API 2025-01 on) withdrawing consent stops the waiting cart', async () => {
    // Since 2025-01 customers/update carries no email_marketing_consent: this topic is the only one that does.
    const body = checkout();
    expect((await send(body, { topic: 'checkouts/create' })).status).toBe(202);
    const topic = 'customers_email_marketing_consent/update';
    const update = { ...fixture('customers-email-marketing-consent-update'), email_address: body.email.toUpperCase() };
    const response = await send(update, { topic });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'consent_withdrawn', topic });
    const [customer] = await database.sql`select marketing_consent from customers where email = ${body.email}`;
    expect(customer?.marketing_consent).toBe(false);
    expect(await signalsOf(body.token)).toEqual(['stopChain']);

    const pending = { ...update, email_marketing_consent: { state: 'pending', opt_in_level: 'confirmed_opt_in' } };
    expect(await (await send(pending, { topic })).json()).toEqual({
      status: 'ignored',
      reason: 'no_consent_change',
      topic,
    });
    const malformed = await send({ ...update, email_marketing_consent: 'unsubscribed' }, { topic });
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(await malformed.json())).toContain('email_marketing_consent');
  });

  it('a consent given in Shopify before the customers/create that follows it is kept for the welcome journey', async () => {
    // customers/create carries no consent since API 2025-01; Shopify reports the newsletter sign-up
    // in customers_email_marketing_consent/update, delivered in no set order with it.
    const email = `new-${randomUUID().slice(0, 8)}@example.com`;
    const topic = 'customers_email_marketing_consent/update';
    const subscribed = {
      ...fixture('customers-email-marketing-consent-update'),
      email_address: email,
      email_marketing_consent: { state: 'subscribed', opt_in_level: 'single_opt_in', consent_updated_at: null },
    };
    const given = await send(subscribed, { topic });
    expect(await given.json()).toEqual({ status: 'consent_given', topic });
    const consentOf = async () =>
      (await database.sql`select marketing_consent from customers where email = ${email}`)[0]?.marketing_consent;
    expect(await consentOf()).toBe(true);

    const id = Date.now() + 7;
    const customer: Json = {
      ...fixture('customers-create'),
      id,
      admin_graphql_api_id: `gid://shopify/Customer/${id}`,
      email,
    };
    delete customer.email_marketing_consent;
    expect((await send(customer, { topic: 'customers/create' })).status).toBe(202);
    expect(await consentOf()).toBe(true);
  });

  it('an older consent change delivered late does not undo a newer one (Shopify retries and reorders)', async () => {
    const email = `late-${randomUUID().slice(0, 8)}@example.com`;
    const topic = 'customers_email_marketing_consent/update';
    const update = (state: string, at: string | null) => ({
      ...fixture('customers-email-marketing-consent-update'),
      email_address: email,
      email_marketing_consent: { state, opt_in_level: 'single_opt_in', consent_updated_at: at },
    });
    const consentOf = async () =>
      (await database.sql`select marketing_consent from customers where email = ${email}`)[0]?.marketing_consent;

    // Subscribed at 10:00, unsubscribed at 10:05; the unsubscribe is delivered first, and not yet known.
    const withdrawn = await send(update('unsubscribed', '2026-04-10T10:05:00-04:00'), { topic });
    expect(await withdrawn.json()).toEqual({ status: 'unknown_customer', topic });
    const late = await send(update('subscribed', '2026-04-10T10:00:00-04:00'), { topic });
    expect(await late.json()).toEqual({ status: 'ignored', reason: 'superseded', topic });
    expect(await consentOf()).toBe(false);

    // Subscribed again at 10:10; a retry of the 10:05 unsubscribe arrives after it.
    expect(await (await send(update('subscribed', '2026-04-10T14:10:00Z'), { topic })).json()).toEqual({
      status: 'consent_given',
      topic,
    });
    const retried = await send(update('unsubscribed', '2026-04-10T10:05:00-04:00'), { topic });
    expect(await retried.json()).toEqual({ status: 'ignored', reason: 'superseded', topic });
    expect(await consentOf()).toBe(true);

    // Without consent_updated_at, X-Shopify-Triggered-At dates the change.
    const older = await send(update('not_subscribed', null), { topic, triggeredAt: '2026-04-10T14:09:00.123456789Z' });
    expect(await older.json()).toEqual({ status: 'ignored', reason: 'superseded', topic });
    expect(await consentOf()).toBe(true);
    const newer = await send(update('not_subscribed', null), { topic, triggeredAt: '2026-04-10T14:11:00.5Z' });
    expect(await newer.json()).toEqual({ status: 'consent_withdrawn', topic });
    expect(await consentOf()).toBe(false);
  });

  it('a customers/create stamped the same second as the consent delivered before it keeps the consent', async () => {
    const email = `same-${randomUUID().slice(0, 8)}@example.com`;
    const topic = 'customers_email_marketing_consent/update';
    const createdAt = '2026-04-10T10:30:00-04:00';
    const subscribed = {
      ...fixture('customers-email-marketing-consent-update'),
      email_address: email,
      email_marketing_consent: { state: 'subscribed', opt_in_level: 'single_opt_in', consent_updated_at: createdAt },
    };
    expect(await (await send(subscribed, { topic })).json()).toEqual({ status: 'consent_given', topic });
    const id = Date.now() + 11;
    const customer: Json = {
      ...fixture('customers-create'),
      id,
      admin_graphql_api_id: `gid://shopify/Customer/${id}`,
      email,
    };
    delete customer.email_marketing_consent;
    customer.created_at = createdAt;
    expect((await send(customer, { topic: 'customers/create' })).status).toBe(202);
    const [row] = await database.sql`select marketing_consent from customers where email = ${email}`;
    expect(row?.marketing_consent).toBe(true);
  });

  it('customers/redact erases the person; data_request is acknowledged', async () => {
    const body = checkout();
    const webhookId = randomUUID();
    expect((await send(body, { topic: 'checkouts/create', webhookId })).status).toBe(202);
    const redact = { ...fixture('customers-redact'), customer: { id: 191167, email: body.email, phone: null } };
    const response = await send(redact, { topic: 'customers/redact' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'erased' });
    // The webhook stays as a bodiless tombstone: Shopify's late retry of it is a duplicate.
    const [stored] = await database.sql`select payload from cart_events where event_id = ${webhookId}`;
    expect(stored?.payload).toEqual({ erased: true });
    expect(await database.sql`select id from customers where email = ${body.email}`).toHaveLength(0);
    const retried = await send(body, { topic: 'checkouts/create', webhookId });
    expect(await retried.json()).toMatchObject({ status: 'duplicate' });
    expect(await database.sql`select id from customers where email = ${body.email}`).toHaveLength(0);
    const [cart] = await database.sql`select snapshot from carts where cart_id = ${body.token}`;
    expect(cart?.snapshot).toBeNull();
    expect(await signalsOf(body.token)).toEqual(['stopChain']);

    // shop/redact erases everyone: test/integration/shopify-shop-redact.test.ts, on a database of its own.
    const topic = 'customers/data_request';
    const acknowledged = await send(fixture('customers-data-request'), { topic });
    expect(acknowledged.status).toBe(200);
    expect(await acknowledged.json()).toEqual({ status: 'acknowledged', topic });
  });
});
