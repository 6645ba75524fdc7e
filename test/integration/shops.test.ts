import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templatesDir } from '../../app/services';
import { createShopProfiles } from '../../app/shop-profiles';
import { addShop, rotateShopSecret } from '../../db/shop-store';
import { shopRow } from '../helpers/shop-row';
import { CartEvent } from '../../domain/events';
import { cartWorkflowId, journeyWorkflowId } from '../../domain/ids';
import { createSmtpMailer } from '../../mail/mailer';
import { createTemplateRenderer } from '../../mail/template-renderer';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { createShopResolver } from '../../server/shop-resolver';
import { consumerCampaign, welcomeCampaign } from '../helpers/campaigns';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import type { TestDatabase } from '../helpers/database';
import { useDatabaseAndTemporal } from '../helpers/database-and-temporal';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { eventually } from '../helpers/eventually';
import { createTestRelay } from '../helpers/outbox-relay';
import { type TestWorker, startTestWorker } from '../helpers/test-worker';

// Several shops in one install, on real Postgres, the real Temporal dev server and a real SMTP
// server: webhooks find their shop by header or Shopify domain, and each shop's chain mails as it.
const DEFAULT_SHOP = 'default-shop';
const taskQueue = `shops-${randomUUID()}`;
const SECRET_A = 'acme-secret-0123456789abcdef';
const SECRET_B = 'boreal-secret-0123456789abcdef';
const SHOPIFY_SECRET = 'shpss_north_0123456789abcdef0123';
const silent = pino({ level: 'silent' });
const campaign = consumerCampaign({ steps: [{ id: 'reminder', delay: '1s', template: 'cart-reminder' }] });

let database: TestDatabase;
let client: Client;
useDatabaseAndTemporal((opened) => ({ database, client } = opened));
let smtp: MailCatcher;
let worker: TestWorker;
let app: ReturnType<typeof createApp>;
let relay: ReturnType<typeof createTestRelay>;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  await addShop(
    database.db,
    shopRow({
      id: 'acme',
      webhookSecret: SECRET_A,
      fromName: "O'Brien & Sons",
      fromAddress: 'hello@obrien.example',
      replyTo: 'care@obrien.example',
      postalAddress: "3 rue de l'Église, 75001 Paris",
    }),
  );
  await addShop(
    database.db,
    shopRow({
      id: 'boreal',
      webhookSecret: SECRET_B,
      fromName: 'Борей & Co',
      fromAddress: 'shop@boreal.example',
      defaultLocale: 'ru',
      postalAddress: { default: 'ул. Ленина 1, Москва' },
    }),
  );
  await addShop(
    database.db,
    shopRow({ id: 'north', platform: 'shopify', shopifyDomain: 'north.myshopify.com', webhookSecret: SHOPIFY_SECRET }),
  );
  smtp = await startMailCatcher();
  closers.push(() => smtp.close());
  const mailer = createSmtpMailer({ url: smtp.url, from: 'Default Shop <shop@mail.example.com>' });
  closers.push(() => mailer.close());
  worker = await startTestWorker({
    taskQueue,
    deps: {
      db: database.db,
      mailer,
      templates: createTemplateRenderer({ dir: templatesDir }),
      messageIdDomain: 'mail.example.com',
      postalAddress: '1 Default Street, Springfield',
      shops: createShopProfiles({
        db: database.db,
        config: { SHOP_ID: DEFAULT_SHOP, SHOP_API_TIMEOUT: 5_000, SHOPIFY_API_TIMEOUT: 10_000 },
        logger: silent,
      }),
    },
  });
  closers.push(() => worker.shutdown());
  const workflows = createCartWorkflows({ client, taskQueue, abandonAfterMs: 500, campaigns: [campaign] });
  relay = createTestRelay({ db: database.db, workflows });
  app = createApp({
    db: database.db,
    workflows,
    relay,
    config: {
      shopId: DEFAULT_SHOP,
      webhookSecret: TEST_SECRET,
      webhookMaxBytes: 256 * 1024,
      webhookToleranceMs: 300_000,
    },
    // No caching here, so a rotation shows at the next request (the server's default is SHOP_CACHE_MS).
    shops: createShopResolver({
      db: database.db,
      defaultShop: { shopId: DEFAULT_SHOP, secrets: [TEST_SECRET] },
      cacheMs: 0,
    }),
    logger: silent,
  });
}, 120_000);
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** POST /webhooks/cart as shop `shopId` (no header: the default shop), signed with `secret`. */
function post(event: unknown, { shopId, secret }: { shopId?: string; secret: string }) {
  const init = signedRequest(event, { secret });
  const headers = { ...(init.headers as Record<string, string>), ...(shopId ? { 'cartflow-shop': shopId } : {}) };
  return app.request('/webhooks/cart', { ...init, headers });
}

const storedShops = async (eventId: string) =>
  (
    await database.sql<
      { shop_id: string }[]
    >`select shop_id from cart_events where event_id = ${eventId} order by shop_id`
  ).map((row) => row.shop_id);

/** The ids `temporal workflow list --query "CartflowShop = '…'"` shows for this cart id. */
async function chainsListedFor(shopId: string, cartId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const workflow of client.workflow.list({ query: `CartflowShop = '${shopId}'` })) {
    if (workflow.workflowId.endsWith(`:${cartId}`)) ids.push(workflow.workflowId);
  }
  return ids;
}

describe('several shops in one install', () => {
  it('two shops, same cart id, different secrets: separate chains, separate rows, each email from its own shop', async () => {
    const cartId = `cart-${randomUUID().slice(0, 8)}`;
    const eventId = `evt-${randomUUID()}`;
    const event = (customer: Record<string, unknown>) => cartUpdatedEvent({ cartId, eventId, customer });
    const a = await post(event({ email: 'ada@example.com' }), { shopId: 'acme', secret: SECRET_A });
    // No language given: the shop's default (ru) is the customer's.
    const b = await post(event({ email: 'зоя@пример.рф', name: 'Зоя', locale: undefined }), {
      shopId: 'boreal',
      secret: SECRET_B,
    });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(await a.json()).toMatchObject({ workflowId: cartWorkflowId({ shopId: 'acme', cartId }) });
    expect(await b.json()).toMatchObject({ workflowId: cartWorkflowId({ shopId: 'boreal', cartId }) });
    // The same event id in two shops is two events, not a duplicate or a conflict.
    expect(await storedShops(eventId)).toEqual(['acme', 'boreal']);
    await relay.deliver();

    const results = await Promise.all(
      ['acme', 'boreal'].map((shopId) => client.workflow.getHandle(cartWorkflowId({ shopId, cartId })).result()),
    );
    expect(results).toEqual(['completed', 'completed']);
    const rows = await database.sql<{ shop_id: string; recipient: string; status: string }[]>`
      select shop_id, recipient, status from messages where cart_id = ${cartId} order by shop_id`;
    expect(rows.map((row) => [row.shop_id, row.status])).toEqual([
      ['acme', 'sent'],
      ['boreal', 'sent'],
    ]);

    const mails = await smtp.waitFor(2, 60_000);
    const toAda = mails.find((mail) => JSON.stringify(mail.to).includes('ada@example.com'));
    const toZoya = mails.find((mail) => mail !== toAda);
    expect(toAda?.from?.value).toEqual([{ name: "O'Brien & Sons", address: 'hello@obrien.example' }]);
    expect(toAda?.replyTo?.value).toEqual([{ name: '', address: 'care@obrien.example' }]);
    expect(toAda?.text).toContain("3 rue de l'Église, 75001 Paris");
    expect(toZoya?.from?.value).toEqual([{ name: 'Борей & Co', address: 'shop@boreal.example' }]);
    expect(toZoya?.text).toContain('ул. Ленина 1, Москва');
    expect(toZoya?.text).not.toContain("rue de l'Église");
    expect(toZoya?.subject).toBe('Зоя, ваша корзина ждёт');
    expect(toAda?.subject).not.toMatch(/[а-я]/);

    // What an operator runs to list one shop's chains (docs/shops.md): each shop sees its own only.
    for (const shopId of ['acme', 'boreal']) {
      const listed = await eventually(async () => {
        const ids = await chainsListedFor(shopId, cartId);
        expect(ids).toHaveLength(1);
        return ids;
      }, 30_000);
      expect(listed).toEqual([cartWorkflowId({ shopId, cartId })]);
    }
    expect(await chainsListedFor(DEFAULT_SHOP, cartId)).toEqual([]);
  }, 120_000);

  it('journeys carry their shop too: a welcome started for shop A is listed under A only', async () => {
    const customerId = `cust-${randomUUID().slice(0, 8)}`;
    const signup = CartEvent.parse({
      id: `evt-${randomUUID()}`,
      type: 'customer.created',
      data: {
        customer: { id: customerId, email: 'new@obrien.example', marketingConsent: true },
        welcomeUrl: 'https://obrien.example/welcome',
      },
    });
    // Its own task queue with no worker: the journey only needs to exist to be listed.
    const journeys = createCartWorkflows({
      client,
      taskQueue: `shops-journeys-${randomUUID()}`,
      abandonAfterMs: 500,
      campaigns: [welcomeCampaign()],
    });
    const workflowId = journeyWorkflowId({ shopId: 'acme', trigger: 'customer.created', subjectId: customerId });
    expect(await journeys.startJourneys('acme', signup, new Date().toISOString())).toEqual([workflowId]);
    const listed = async (shopId: string) => {
      const ids: string[] = [];
      const query = `CartflowShop = '${shopId}' AND WorkflowType = 'journeyWorkflow'`;
      for await (const workflow of client.workflow.list({ query })) ids.push(workflow.workflowId);
      return ids.filter((id) => id === workflowId);
    };
    await eventually(async () => expect(await listed('acme')).toEqual([workflowId]), 30_000);
    expect(await listed('boreal')).toEqual([]);
    await client.workflow.getHandle(workflowId).terminate('test done');
  });

  it("shop A's secret under shop B's header: 401, nothing stored; an unknown shop: 403 naming it", async () => {
    const event = cartUpdatedEvent();
    const crossed = await post(event, { shopId: 'boreal', secret: SECRET_A });
    expect(crossed.status).toBe(401);
    expect(await crossed.json()).toMatchObject({ error: 'bad_signature' });
    // Nor does another shop's secret verify for the default shop, or the default's for a shop.
    expect((await post(event, { secret: SECRET_A })).status).toBe(401);
    expect((await post(event, { shopId: 'acme', secret: TEST_SECRET })).status).toBe(401);

    const unknown = await post(event, { shopId: 'no-such-shop', secret: SECRET_A });
    expect(unknown.status).toBe(403);
    expect(((await unknown.json()) as { message: string }).message).toContain('no-such-shop');
    const malformed = await post(event, { shopId: 'bad shop/id', secret: SECRET_A });
    expect(malformed.status).toBe(400);
    expect(await storedShops(event.id)).toEqual([]);
  });

  it('no header: the default shop from the environment, as before', async () => {
    const event = cartUpdatedEvent({ customer: { marketingConsent: false } });
    expect((await post(event, { secret: TEST_SECRET })).status).toBe(202);
    expect(await storedShops(event.id)).toEqual([DEFAULT_SHOP]);
  });

  it('rotation: the old secret stays valid as the previous one, and stops after a second rotation', async () => {
    const rotated = 'rotate-me-second-secret-0123456789';
    await addShop(database.db, shopRow({ id: 'rotating', webhookSecret: 'rotate-me-first-secret-0123456789' }));
    const quiet = () => cartUpdatedEvent({ customer: { marketingConsent: false } });
    await rotateShopSecret(database.db, { id: 'rotating', secret: rotated });
    expect((await post(quiet(), { shopId: 'rotating', secret: rotated })).status).toBe(202);
    expect((await post(quiet(), { shopId: 'rotating', secret: 'rotate-me-first-secret-0123456789' })).status).toBe(202);

    await rotateShopSecret(database.db, { id: 'rotating', secret: 'rotate-me-third-secret-0123456789' });
    const old = quiet();
    expect((await post(old, { shopId: 'rotating', secret: 'rotate-me-first-secret-0123456789' })).status).toBe(401);
    expect(await storedShops(old.id)).toEqual([]);
    expect((await post(quiet(), { shopId: 'rotating', secret: rotated })).status).toBe(202);
  });

  it("Shopify: X-Shopify-Shop-Domain picks the shop and its client secret; another shop's secret or an unknown domain is refused", async () => {
    const body = JSON.parse(
      readFileSync(new URL('../fixtures/shopify/checkouts-create.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    const token = randomUUID().replace(/-/g, '');
    const raw = JSON.stringify({ ...body, token, abandoned_checkout_url: `https://north.example/recover/${token}` });
    const send = (secret: string, domain: string, webhookId = randomUUID()) =>
      app.request('/webhooks/shopify', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-shopify-hmac-sha256': createHmac('sha256', secret).update(raw).digest('base64'),
          'x-shopify-topic': 'checkouts/create',
          'x-shopify-shop-domain': domain,
          'x-shopify-webhook-id': webhookId,
        },
        body: raw,
      });
    const wrongSecret = randomUUID();
    expect((await send(SECRET_A, 'north.myshopify.com', wrongSecret)).status).toBe(401);
    expect(await storedShops(wrongSecret)).toEqual([]);
    const unknown = await send(SHOPIFY_SECRET, 'elsewhere.myshopify.com');
    expect(unknown.status).toBe(403);
    expect(((await unknown.json()) as { message: string }).message).toContain('elsewhere.myshopify.com');

    const webhookId = randomUUID();
    const accepted = await send(SHOPIFY_SECRET, 'North.MyShopify.com', webhookId);
    expect(accepted.status).toBe(202);
    expect(await storedShops(webhookId)).toEqual(['north']);
  });
});
