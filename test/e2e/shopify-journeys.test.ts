import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPerson } from '../../app/privacy';
import { Campaign } from '../../domain/campaign';
import { type E2eStack, startE2eStack } from '../helpers/e2e-stack';
import { eventually } from '../helpers/eventually';
import { shopifyDelivery, shopifyFixture } from '../helpers/shopify-delivery';

// Shopify's journeys end to end: everything real (HTTP, Temporal dev server, Postgres, SMTP), in real
// time, with Shopify's documented payloads signed as Shopify signs them.
const shopId = 'shop-late-consent';
const SHOP_DOMAIN = 'late-consent.myshopify.com';
const SECRET = 'shpss_late_consent_0123456789abcdef';
// Long enough that a welcome sent at the grace's end is told apart from one sent when consent came;
// the test without consent waits it out.
const GRACE_MS = 15_000;
const postPurchase = Campaign.parse({
  id: 'post-purchase',
  version: 1,
  name: 'Post-purchase',
  priority: 1,
  trigger: 'order.placed',
  audience: 'everyone',
  quietHours: 'none',
  steps: [{ id: 'review', delay: '0s', template: 'post-purchase-review' }],
});
const welcome = Campaign.parse({
  id: 'welcome',
  version: 1,
  name: 'Welcome',
  priority: 1,
  trigger: 'customer.created',
  audience: 'everyone',
  quietHours: 'none',
  steps: [{ id: 'welcome', delay: '0s', template: 'welcome' }],
});
let stack: E2eStack;

beforeAll(async () => {
  stack = await startE2eStack({
    name: 'late-consent',
    shopId,
    campaigns: [welcome, postPurchase],
    abandonAfterMs: 3_600_000,
    config: { shopify: { clientSecrets: [SECRET], shopDomain: SHOP_DOMAIN } },
    workerDeps: { consentGraceMs: GRACE_MS },
  });
});
afterAll(() => stack?.close());

const post = (body: unknown, topic: string) =>
  fetch(`${stack.url}/webhooks/shopify`, shopifyDelivery(body, { topic, secret: SECRET, shopDomain: SHOP_DOMAIN }));

/** customers/create as Shopify sends it since API 2025-01: no consent in it. */
async function newCustomer(email: string) {
  const id = String(Date.now()) + String(Math.floor(Math.random() * 1000)).padStart(3, '0');
  const customer: Record<string, unknown> = {
    ...shopifyFixture('customers-create'),
    id,
    admin_graphql_api_id: `gid://shopify/Customer/${id}`,
    email,
  };
  delete customer.email_marketing_consent;
  expect((await post(customer, 'customers/create')).status).toBe(202);
  await stack.relay.drain();
  const workflowId = `journey:${shopId}:customer.created:${id}`;
  // The first step has run once (its read records the chain): the consent below comes after it.
  await eventually(async () => {
    const rows = await stack.database.sql`select 1 from chains where workflow_id = ${workflowId}`;
    expect(rows).toHaveLength(1);
  }, 30_000);
  return workflowId;
}

const stepRows = (workflowId: string) =>
  stack.database.sql`select step, status, reason from messages where workflow_id = ${workflowId}`;

describe('Shopify consent that arrives after customers/create (opt_in)', () => {
  // Shopify reports a sign-up's newsletter consent in customers_email_marketing_consent/update,
  // which comes after customers/create; the grace here is seconds. The webhook tells the journey,
  // which sends then instead of at the grace's end.
  it("the welcome email goes out as soon as the consent webhook has come, not at the grace's end", async () => {
    const email = `late-${randomUUID().slice(0, 8)}@example.com`;
    const workflowId = await newCustomer(email);
    const consent = {
      ...shopifyFixture('customers-email-marketing-consent-update'),
      email_address: email,
      email_marketing_consent: { state: 'subscribed', opt_in_level: 'single_opt_in', consent_updated_at: null },
    };
    expect(await (await post(consent, 'customers_email_marketing_consent/update')).json()).toMatchObject({
      status: 'consent_given',
    });
    expect(await stack.client.workflow.getHandle(workflowId).result()).toBe('completed');
    const sent = stack.smtp.messages.filter(
      (message) => message.to && 'text' in message.to && message.to.text === email,
    );
    expect(sent).toHaveLength(1);
    expect(await stepRows(workflowId)).toEqual([{ step: 'welcome', status: 'sent', reason: null }]);
    const [timing] = await stack.database.sql<[{ afterStartMs: number }]>`
      select extract(epoch from m.sent_at - c.started_at) * 1000 as "afterStartMs"
        from messages m join chains c using (workflow_id) where m.workflow_id = ${workflowId}`;
    expect(Number(timing?.afterStartMs)).toBeLessThan(GRACE_MS / 2);
  }, 60_000);

  it('without consent within the grace the welcome is skipped, as before', async () => {
    const email = `never-${randomUUID().slice(0, 8)}@example.com`;
    const workflowId = await newCustomer(email);
    expect(await stack.client.workflow.getHandle(workflowId).result()).toBe('completed');
    expect(await stepRows(workflowId)).toEqual([{ step: 'welcome', status: 'skipped', reason: 'no_consent' }]);
    expect(stack.smtp.messages.some((message) => message.to && 'text' in message.to && message.to.text === email)).toBe(
      false,
    );
  }, 60_000);
});

describe('a Shopify order is named as its customer knows it', () => {
  it('the post-purchase email, the analysts\' view and the privacy export say "#1001", not the internal id', async () => {
    const email = `buyer-${randomUUID().slice(0, 8)}@example.com`;
    const id = '820982911946' + String(Date.now()).slice(-6);
    const base = shopifyFixture('orders-create');
    const order = {
      ...base,
      id: Number(id),
      admin_graphql_api_id: `gid://shopify/Order/${id}`,
      name: '#1001',
      order_number: 1001,
      email,
      checkout_token: null,
      buyer_accepts_marketing: true,
      customer: { ...base.customer, email },
    };
    expect((await post(order, 'orders/create')).status).toBe(202);
    await stack.relay.drain();
    const workflowId = `journey:${shopId}:order.placed:${id}`;
    expect(await stack.client.workflow.getHandle(workflowId).result()).toBe('completed');
    const [review] = stack.smtp.messages.filter(
      (message) => message.to && 'text' in message.to && message.to.text === email,
    );
    expect(review?.text).toContain('#1001');
    expect(review?.text).not.toContain(id);
    expect(String(review?.html)).toContain('#1001');
    expect(String(review?.html)).not.toContain(id);

    const [attribution] = await stack.database.sql`select order_name from order_attribution where order_id = ${id}`;
    expect(attribution?.order_name).toBe('#1001');
    const exported = await exportPerson(stack.database.db, { shopId, email });
    expect(exported.document.orders).toEqual([expect.objectContaining({ orderId: id, orderName: '#1001' })]);
  }, 60_000);
});
