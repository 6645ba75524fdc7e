import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../activities/deliver-email';
import { createChainStopper } from '../../app/chain-stopper';
import { addShop } from '../../db/shop-store';
import { shopRow } from '../helpers/shop-row';
import { emailKey } from '../../domain/email-address';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { createShopResolver } from '../../server/shop-resolver';
import { signatureHeader } from '../../signing/webhook-signature';
import { consumerCampaign } from '../helpers/campaigns';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import type { TestDatabase } from '../helpers/database';
import { useDatabaseAndTemporal } from '../helpers/database-and-temporal';
import { createTestRelay } from '../helpers/outbox-relay';

// The privacy API and the delivery-event webhooks act on the shop that Cartflow-Shop names (the
// SendGrid webhook: its `shop` query parameter), on real Postgres and the real Temporal dev server.
// No worker polls the task queue and the relay is never drained: nothing here needs a chain.
const DEFAULT_SHOP = 'default-shop';
const ADMIN_TOKEN = 'admin-token-for-shop-admin-tests-0123456789';
const SECRET_A = 'acme-secret-0123456789abcdef';
const SECRET_B = 'boreal-secret-0123456789abcdef';
const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

let database: TestDatabase;
let client: Client;
useDatabaseAndTemporal((opened) => ({ database, client } = opened));
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  await addShop(database.db, shopRow({ id: 'acme', webhookSecret: SECRET_A }));
  await addShop(database.db, shopRow({ id: 'boreal', webhookSecret: SECRET_B }));
  const workflows = createCartWorkflows({
    client,
    taskQueue: `shop-admin-${randomUUID()}`,
    abandonAfterMs: 3_600_000,
    campaigns: [consumerCampaign()],
  });
  app = createApp({
    db: database.db,
    workflows,
    relay: createTestRelay({ db: database.db, workflows }),
    config: {
      shopId: DEFAULT_SHOP,
      webhookSecret: TEST_SECRET,
      webhookMaxBytes: 256 * 1024,
      webhookToleranceMs: 300_000,
      adminToken: ADMIN_TOKEN,
      sendgridWebhookPublicKey: sendgridKeys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    },
    shops: createShopResolver({ db: database.db, defaultShop: { shopId: DEFAULT_SHOP, secrets: [TEST_SECRET] } }),
    chains: createChainStopper({ db: database.db, client }),
    logger: pino({ level: 'silent' }),
  });
});

const asShop = (shopId: string | undefined): Record<string, string> => (shopId ? { 'cartflow-shop': shopId } : {});
const admin = (shopId?: string) => ({ authorization: `Bearer ${ADMIN_TOKEN}`, ...asShop(shopId) });
const exportOf = (email: string, shopId?: string) =>
  app.request(`/admin/privacy/export?email=${encodeURIComponent(email)}`, { headers: admin(shopId) });
const erase = (email: string, shopId?: string) =>
  app.request('/admin/privacy/erase', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...admin(shopId) },
    body: JSON.stringify({ email }),
  });
const customersOf = async (email: string) =>
  (
    await database.sql<
      { shop_id: string }[]
    >`select shop_id from customers where email = ${emailKey(email)} order by shop_id`
  ).map((row) => row.shop_id);
const suppressedIn = async (email: string) =>
  (
    await database.sql<{ shop_id: string }[]>`select shop_id from suppressions where email = ${email} order by shop_id`
  ).map((row) => row.shop_id);
const message = async (response: Response) => ((await response.json()) as { message: string }).message;

/** A cart webhook of `shopId`, as its backend sends it: this stores the customer in that shop. */
async function customerIn(shopId: string, secret: string, email: string): Promise<void> {
  const init = signedRequest(cartUpdatedEvent({ customer: { email, name: "Zoë O'Hara-Ünal" } }), { secret });
  const headers = { ...(init.headers as Record<string, string>), ...asShop(shopId) };
  expect((await app.request('/webhooks/cart', { ...init, headers })).status).toBe(202);
}

describe('privacy API per shop (Cartflow-Shop)', () => {
  it("exports and erases a person of shop B only under B's header; shop A and the default shop hold nothing of theirs", async () => {
    const email = `zoe.${randomUUID().slice(0, 8)}@пример.рф`;
    await customerIn('boreal', SECRET_B, email);
    expect(await customersOf(email)).toEqual(['boreal']);

    expect((await exportOf(email, 'acme')).status).toBe(404);
    expect((await exportOf(email)).status).toBe(404);
    const exported = await exportOf(email, 'boreal');
    expect(exported.status).toBe(200);
    expect(JSON.stringify(await exported.json())).toContain("Zoë O'Hara-Ünal");

    expect((await erase(email, 'acme')).status).toBe(404);
    expect((await erase(email)).status).toBe(404);
    expect(await customersOf(email)).toEqual(['boreal']);
    const erased = await erase(email, 'boreal');
    expect(erased.status).toBe(200);
    expect(await customersOf(email)).toEqual([]);
  });

  it('an unknown shop: 404 naming it, nothing erased; a malformed one: 400; the token is checked first', async () => {
    const email = `kept.${randomUUID().slice(0, 8)}@example.com`;
    await customerIn('boreal', SECRET_B, email);
    const unknown = await erase(email, 'no-such-shop');
    expect(unknown.status).toBe(404);
    expect(await message(unknown)).toContain('"no-such-shop"');
    expect(await customersOf(email)).toEqual(['boreal']);
    expect((await exportOf(email, 'bad shop/id')).status).toBe(400);
    const anonymous = await app.request(`/admin/privacy/export?email=${email}`, { headers: asShop('no-such-shop') });
    expect(anonymous.status).toBe(401);
  });
});

/** POST /webhooks/delivery as shop `shopId`, signed with `secret`. */
function postDelivery(payload: unknown, { shopId, secret }: { shopId?: string; secret: string }) {
  const body = JSON.stringify(payload);
  const timestampSeconds = Math.floor(Date.now() / 1000);
  return app.request('/webhooks/delivery', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'cartflow-signature': signatureHeader({ secret, body, timestampSeconds }),
      ...asShop(shopId),
    },
    body,
  });
}

/** POST /webhooks/sendgrid?shop=…, signed like SendGrid (ECDSA over "<timestamp><raw body>"). */
function postSendGrid(events: unknown, query: string) {
  const body = JSON.stringify(events);
  const timestamp = String(Math.floor(Date.now() / 1000));
  return app.request(`/webhooks/sendgrid${query}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'X-Twilio-Email-Event-Webhook-Signature': sign(
        'sha256',
        Buffer.from(timestamp + body),
        sendgridKeys.privateKey,
      ).toString('base64'),
      'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
    },
    body,
  });
}

describe('delivery-event webhooks per shop', () => {
  it("a bounce under shop B's header and secret suppresses the address in B only; A's secret for B is refused", async () => {
    const email = `bounce.${randomUUID().slice(0, 8)}@example.com`;
    const event = { id: `evt-${randomUUID()}`, type: 'hard_bounce', email };
    expect((await postDelivery(event, { shopId: 'boreal', secret: SECRET_A })).status).toBe(401);
    expect((await postDelivery(event, { secret: SECRET_B })).status).toBe(401);
    expect(await suppressedIn(email)).toEqual([]);

    expect((await postDelivery(event, { shopId: 'boreal', secret: SECRET_B })).status).toBe(200);
    expect(await suppressedIn(email)).toEqual(['boreal']);
    const unknown = await postDelivery(event, { shopId: 'no-such-shop', secret: SECRET_B });
    expect(unknown.status).toBe(403);
    expect(await message(unknown)).toContain('"no-such-shop"');
    // No header: the default shop, verified by WEBHOOK_SECRET, as before.
    expect((await postDelivery(event, { secret: TEST_SECRET })).status).toBe(200);
    expect(await suppressedIn(email)).toEqual(['boreal', DEFAULT_SHOP]);
  });

  it('SendGrid (no custom headers): ?shop= in the webhook URL picks the shop; an unknown one is refused', async () => {
    const email = `sg.${randomUUID().slice(0, 8)}@example.com`;
    const bounce = { email, timestamp: 1513299569, event: 'bounce', type: 'bounce', sg_event_id: randomUUID() };
    expect((await postSendGrid([bounce], '?shop=acme')).status).toBe(200);
    expect(await suppressedIn(email)).toEqual(['acme']);
    const unknown = await postSendGrid([{ ...bounce, sg_event_id: randomUUID() }], '?shop=nowhere');
    expect(unknown.status).toBe(403);
    expect(await message(unknown)).toContain('"nowhere"');
    expect(await suppressedIn(email)).toEqual(['acme']);
  });

  it("SendGrid: an event about a message we sent counts for that message's shop, whatever ?shop= says", async () => {
    // SendGrid's signature covers the body, not the URL: a batch of acme's events replayed under
    // ?shop=boreal must not suppress acme's customers in boreal.
    const email = `replayed.${randomUUID().slice(0, 8)}@example.com`;
    const header = await sentMessageOf('acme', email);
    const bounce = { email, timestamp: 1513299569, event: 'bounce', type: 'bounce', 'smtp-id': header };
    expect((await postSendGrid([{ ...bounce, sg_event_id: randomUUID() }], '?shop=acme')).status).toBe(200);
    expect((await postSendGrid([{ ...bounce, sg_event_id: randomUUID() }], '?shop=boreal')).status).toBe(200);
    expect(await suppressedIn(email)).toEqual(['acme']);
    const events = await database.sql<{ shop_id: string; message_id: string | null }[]>`
      select shop_id, message_id from delivery_events where email = ${email}`;
    expect(events.map((event) => event.shop_id)).toEqual(['acme', 'acme']);
    expect(events.every((event) => event.message_id !== null)).toBe(true);

    // SendGrid echoes the Message-ID without brackets too; an event naming no message of ours keeps ?shop=.
    const other = `other.${randomUUID().slice(0, 8)}@example.com`;
    const otherHeader = await sentMessageOf('boreal', other);
    const unbracketed = { ...bounce, email: other, 'smtp-id': otherHeader.slice(1, -1), sg_event_id: randomUUID() };
    expect((await postSendGrid([unbracketed], '?shop=acme')).status).toBe(200);
    const stranger = `stranger.${randomUUID().slice(0, 8)}@example.com`;
    const foreign = { ...bounce, email: stranger, 'smtp-id': '<14c5d75ce93.dfd.64b469@ismtpd-555>' };
    expect((await postSendGrid([{ ...foreign, sg_event_id: randomUUID() }], '?shop=boreal')).status).toBe(200);
    expect(await suppressedIn(other)).toEqual(['boreal']);
    expect(await suppressedIn(stranger)).toEqual(['boreal']);
  });
});

/** A message row of `shopId` as deliverEmail leaves it once sent; returns its Message-ID header. */
async function sentMessageOf(shopId: string, to: string): Promise<string> {
  const key = `cart:${shopId}:${randomUUID()}:reminder`;
  const header = messageIdFor(key, `${shopId}.example`);
  await database.sql`
    insert into messages (key, shop_id, cart_id, recipient, step, template_id, template_version, status, message_id_header)
    values (${key}, ${shopId}, 'cart-1', ${to}, 'reminder', 'cart-reminder', 'v1', 'sent', ${header})`;
  return header;
}
