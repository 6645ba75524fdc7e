import { type KeyObject, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deliverEmail, messageIdFor } from '../../activities/deliver-email';
import { signatureHeader } from '../../signing/webhook-signature';
import { openServices } from '../../app/services';
import { createChainStopper } from '../../app/chain-stopper';
import { loadConfig } from '../../config/env';
import { Cart } from '../../domain/events';
import { cartWorkflowId } from '../../domain/ids';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { type TestHttpServer, startHttpServer } from '../helpers/http-server';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { createTestRelay } from '../helpers/outbox-relay';
import { activityEnvironment } from '../helpers/test-logger';
import { reminderSend } from '../helpers/reminder-send';

// Real Postgres, the real HTTP server on a socket, real Temporal (chains are signalled to stop)
// and a real SMTP server that answers 550: bounces and complaints the way they arrive in production.
const shopId = 'shop-bounces';
const DAY = 86_400_000;
const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
// SendGrid's dashboard shows the verification key as base64 DER without PEM framing.
const SENDGRID_PUBLIC_KEY = sendgridKeys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

let database: TestDatabase;
let connection: Connection;
let client: Client;
let smtp: MailCatcher;
let withSendGrid: TestHttpServer;
let withoutSendGrid: TestHttpServer;
let relay: ReturnType<typeof createTestRelay> | undefined;

function startServer(sendgridWebhookPublicKey: string | undefined) {
  const workflows = createCartWorkflows({
    client,
    taskQueue: 'bounces-test-no-worker',
    abandonAfterMs: 3_600_000,
    campaigns: [consumerCampaign()],
  });
  // Both servers share one relay, so a test can deliver what either stored.
  relay ??= createTestRelay({ db: database.db, workflows });
  const app = createApp({
    db: database.db,
    workflows,
    relay,
    config: {
      shopId,
      webhookSecret: TEST_SECRET,
      webhookMaxBytes: 64 * 1024,
      webhookToleranceMs: 300_000,
      sendgridWebhookPublicKey,
      softBounces: { limit: 3, windowMs: 7 * DAY },
    },
    chains: createChainStopper({ db: database.db, client }),
    logger: pino({ level: 'silent' }),
  });
  return startHttpServer(app);
}

beforeAll(async () => {
  database = await createTestDatabase();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  smtp = await startMailCatcher({ rejectRecipient: (address) => address.startsWith('bounce') });
  withSendGrid = await startServer(SENDGRID_PUBLIC_KEY);
  withoutSendGrid = await startServer(undefined);
});
afterAll(async () => {
  await withSendGrid?.close();
  await withoutSendGrid?.close();
  await smtp?.close();
  await connection?.close();
  await database?.drop();
});

const address = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;
const eventId = () => `${randomUUID().replace(/-/g, '').slice(0, 22)}==`;

/** Signs like SendGrid: ECDSA P-256 / SHA-256 over "<timestamp><raw body>", base64 DER. */
function sendgridRequest(events: unknown, key: KeyObject = sendgridKeys.privateKey, body = JSON.stringify(events)) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign('sha256', Buffer.from(timestamp + body), key).toString('base64');
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'X-Twilio-Email-Event-Webhook-Signature': signature,
      'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
    },
    body,
  };
}

const postSendGrid = (init: RequestInit, server = withSendGrid) => fetch(`${server.url}/webhooks/sendgrid`, init);

function postDelivery(payload: unknown, secret = TEST_SECRET) {
  const body = JSON.stringify(payload);
  return fetch(`${withSendGrid.url}/webhooks/delivery`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'Cartflow-Signature': signatureHeader({ secret, body, timestampSeconds: Math.floor(Date.now() / 1000) }),
    },
    body,
  });
}

const suppressionOf = async (email: string) =>
  (
    await database.sql`select reason, source, detail from suppressions where shop_id = ${shopId} and email = ${email}`
  )[0];
const eventsOf = (email: string) =>
  database.sql`select type, source, provider_event_id, message_id, detail from delivery_events
               where shop_id = ${shopId} and email = ${email} order by occurred_at`;

/**
 * The example payloads of SendGrid's Event Webhook Reference
 * (https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event, "Bounce and blocked
 * events", "Dropped events", "Spam report events", "Delivered events", "Processed events"), copied
 * as published except `email` and `sg_event_id`: the docs reuse both across examples, and each test
 * needs its own addresses and events.
 */
const docs = {
  bounce: (email: string, smtpId = '<14c5d75ce93.dfd.64b469@ismtpd-555>') => ({
    email,
    timestamp: 1513299569,
    'smtp-id': smtpId,
    bounce_classification: 'Invalid Address',
    event: 'bounce',
    category: 'cat facts',
    sg_event_id: eventId(),
    sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
    reason: '500 unknown recipient',
    status: '5.0.0',
    type: 'bounce',
  }),
  blocked: (email: string, timestamp = 1513299569) => ({
    email,
    timestamp,
    'smtp-id': '<14c5d75ce93.dfd.64b469@ismtpd-555>',
    bounce_classification: 'Invalid Address',
    event: 'bounce',
    category: 'cat facts',
    sg_event_id: eventId(),
    sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
    reason: '500 unknown recipient',
    status: '5.0.0',
    type: 'blocked',
  }),
  dropped: (email: string) => ({
    email,
    timestamp: 1513299569,
    'smtp-id': '<14c5d75ce93.dfd.64b469@ismtpd-555>',
    event: 'dropped',
    category: 'cat facts',
    sg_event_id: eventId(),
    sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
    reason: 'Bounced Address',
    status: '5.0.0',
  }),
  spamreport: (email: string) => ({
    email,
    timestamp: 1513299569,
    'smtp-id': '<14c5d75ce93.dfd.64b469@ismtpd-555>',
    event: 'spamreport',
    sg_event_id: eventId(),
    sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
  }),
  delivered: (email: string) => ({
    email,
    timestamp: 1513299569,
    'smtp-id': '<14c5d75ce93.dfd.64b469@ismtpd-555>',
    event: 'delivered',
    category: 'cat facts',
    sg_event_id: eventId(),
    sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
    response: '250 OK',
  }),
  processed: (email: string) => ({
    email,
    timestamp: 1513299569,
    pool: { name: 'new_MY_test', id: 210 },
    'smtp-id': '<14c5d75ce93.dfd.64b469@ismtpd-555>',
    event: 'processed',
    category: 'cat facts',
    sg_event_id: eventId(),
    sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000000',
  }),
};

/** A sent message row, as deliverEmail leaves it, so an event can name its Message-ID. */
async function sentMessage(to: string): Promise<{ id: string; header: string }> {
  const key = `cart:${shopId}:${randomUUID()}:reminder`;
  const header = messageIdFor(key, 'mail.example.com');
  const [row] = await database.sql`
    insert into messages (key, shop_id, cart_id, recipient, step, template_id, template_version, status, message_id_header)
    values (${key}, ${shopId}, 'cart-1', ${to}, 'reminder', 'cart-reminder', 'v1', 'sent', ${header})
    returning id`;
  return { id: row!.id as string, header };
}

describe('POST /webhooks/sendgrid', () => {
  it("SendGrid's documented payloads: bounce and dropped suppress as hard bounces, spamreport as a complaint", async () => {
    const [hard, blocked, dropped, complaint, delivered] = ['hard', 'blocked', 'dropped', 'spam', 'fine'].map(address);
    const message = await sentMessage(hard!);
    const batch = [
      docs.processed(hard!),
      docs.bounce(hard!, message.header),
      docs.blocked(blocked!),
      docs.dropped(dropped!),
      docs.spamreport(complaint!),
      docs.delivered(delivered!),
    ];
    const response = await postSendGrid(sendgridRequest(batch));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', recorded: 4, duplicates: 0, ignored: 2 });

    expect(await suppressionOf(hard!)).toEqual({
      reason: 'hard_bounce',
      source: 'sendgrid',
      detail: 'bounce (bounce, Invalid Address): 5.0.0 500 unknown recipient',
    });
    expect(await suppressionOf(dropped!)).toMatchObject({ reason: 'hard_bounce', source: 'sendgrid' });
    expect(await suppressionOf(complaint!)).toMatchObject({ reason: 'complaint', source: 'sendgrid' });
    // One block is a soft bounce: recorded, not (yet) a reason to stop mailing.
    expect(await suppressionOf(blocked!)).toBeUndefined();
    expect((await eventsOf(blocked!)).map((event) => event.type)).toEqual(['soft_bounce']);
    expect(await suppressionOf(delivered!)).toBeUndefined();
    expect(await eventsOf(delivered!)).toHaveLength(0);

    const [bounce] = await eventsOf(hard!);
    expect(bounce).toMatchObject({
      type: 'hard_bounce',
      message_id: message.id,
      provider_event_id: batch[1]!.sg_event_id,
    });
  });

  it('a redelivered batch is stored once', async () => {
    const email = address('again');
    const batch = [docs.bounce(email)];
    expect(await (await postSendGrid(sendgridRequest(batch))).json()).toMatchObject({ recorded: 1, duplicates: 0 });
    const again = await postSendGrid(sendgridRequest(batch));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ recorded: 0, duplicates: 1 });
    expect(await eventsOf(email)).toHaveLength(1);
  });

  it('three blocks within 7 days suppress as soft bounces; two do not, nor three spread over more days', async () => {
    const now = Math.floor(Date.now() / 1000);
    const days = (n: number) => now - n * 86_400;
    const [three, two, spread] = ['three', 'two', 'spread'].map(address);
    await postSendGrid(
      sendgridRequest([
        docs.blocked(three!, days(6)),
        docs.blocked(three!, days(3)),
        docs.blocked(two!, days(6)),
        docs.blocked(two!, days(1)),
        docs.blocked(spread!, days(20)),
        docs.blocked(spread!, days(9)),
        docs.blocked(spread!, days(1)),
      ]),
    );
    expect(await suppressionOf(three!)).toBeUndefined();
    await postSendGrid(sendgridRequest([docs.blocked(three!, days(0))]));

    expect(await suppressionOf(three!)).toMatchObject({ reason: 'soft_bounce', source: 'sendgrid' });
    expect(await suppressionOf(two!)).toBeUndefined();
    expect(await suppressionOf(spread!)).toBeUndefined();
    expect(await eventsOf(spread!)).toHaveLength(3);
  });

  it('a bad or missing signature is 401 and stores nothing', async () => {
    const email = address('forged');
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const forged = await postSendGrid(sendgridRequest([docs.bounce(email)], otherKey));
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: 'bad_signature' });

    const signed = sendgridRequest([docs.bounce(email)]);
    const tampered = await postSendGrid({ ...signed, body: JSON.stringify([docs.spamreport(email)]) });
    expect(tampered.status).toBe(401);

    const unsigned = await postSendGrid({ method: 'POST', body: JSON.stringify([docs.bounce(email)]) });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: 'missing_signature' });
    expect(await eventsOf(email)).toHaveLength(0);
  });

  it('a signed body that is not a JSON array of events is 400 naming the problem', async () => {
    const broken = await postSendGrid(sendgridRequest(undefined, undefined, '[{"event": "bounce",'));
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: 'invalid_json', message: expect.stringContaining('JSON') });

    const object = await postSendGrid(sendgridRequest({ event: 'bounce' }));
    expect(await object.json()).toMatchObject({
      error: 'invalid_payload',
      message: '(body): must be a JSON array of events',
    });

    const { email: _dropped, ...noEmail } = docs.bounce('x@example.com');
    const missing = await postSendGrid(sendgridRequest([docs.delivered('y@example.com'), noEmail]));
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { message: string }).message).toMatch(/^1\.email: /);
  });

  it('is 404 with what to set when SENDGRID_WEBHOOK_PUBLIC_KEY is not configured', async () => {
    const response = await postSendGrid(sendgridRequest([docs.bounce(address('off'))]), withoutSendGrid);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: 'sendgrid_webhook_disabled',
      message: expect.stringContaining('SENDGRID_WEBHOOK_PUBLIC_KEY'),
    });
  });
});

describe('POST /webhooks/delivery', () => {
  it('records a signed complaint, linked to its message, and suppresses the address', async () => {
    const email = address('generic');
    const message = await sentMessage(email);
    const response = await postDelivery({
      id: 'evt-generic-1',
      type: 'complaint',
      email: email.toUpperCase(),
      messageId: message.header.slice(1, -1),
      occurredAt: '2026-01-05T10:00:00Z',
      detail: 'abuse report (ARF)',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', recorded: 1, duplicates: 0 });
    expect(await suppressionOf(email)).toEqual({
      reason: 'complaint',
      source: 'delivery_webhook',
      detail: 'abuse report (ARF)',
    });
    expect(await eventsOf(email)).toEqual([
      expect.objectContaining({ type: 'complaint', message_id: message.id, provider_event_id: 'evt-generic-1' }),
    ]);
    expect(await (await postDelivery({ id: 'evt-generic-1', type: 'complaint', email })).json()).toMatchObject({
      duplicates: 1,
    });
  });

  it('an array of soft bounces suppresses at the limit', async () => {
    const email = address('generic-soft');
    const soft = (id: string) => ({ id, type: 'soft_bounce', email, detail: '452 4.2.2 mailbox full' });
    await postDelivery([soft(`${email}-1`), soft(`${email}-2`)]);
    expect(await suppressionOf(email)).toBeUndefined();
    await postDelivery([soft(`${email}-3`)]);
    expect(await suppressionOf(email)).toMatchObject({ reason: 'soft_bounce', source: 'delivery_webhook' });
  });

  it('names every bad field (400) and refuses a wrong signature (401)', async () => {
    const response = await postDelivery([
      { id: 'ok-shape', type: 'hard_bounce', email: 'fine@example.com' },
      { id: '', type: 'bounced', email: 'not-an-address', occurredAt: 'yesterday' },
    ]);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; issues: Array<{ path: string }> };
    expect(body.error).toBe('invalid_payload');
    expect(body.issues.map((issue) => issue.path).sort()).toEqual(['1.email', '1.id', '1.occurredAt', '1.type']);
    expect(await suppressionOf('fine@example.com')).toBeUndefined();

    const email = address('wrong-secret');
    const forged = await postDelivery({ id: 'x', type: 'hard_bounce', email }, 'another-secret-0123456789');
    expect(forged.status).toBe(401);
    expect(await eventsOf(email)).toHaveLength(0);
  });

  it("a hard bounce signals the address's running cart workflow to stop", async () => {
    const email = address('chain');
    const event = cartUpdatedEvent({ customer: { email, name: 'Ada', marketingConsent: true } });
    const cartResponse = await fetch(`${withSendGrid.url}/webhooks/cart`, signedRequest(event));
    expect(cartResponse.status).toBe(202);
    // The webhook only stored the event: let the relay start the workflow, as a server's would.
    await relay!.deliver();

    expect((await postDelivery({ id: `${email}-hard`, type: 'hard_bounce', email })).status).toBe(200);
    const history = await client.workflow.getHandle(cartWorkflowId({ shopId, cartId: event.data.id })).fetchHistory();
    const signals = (history.events ?? []).map((e) => e.workflowExecutionSignaledEventAttributes).filter(Boolean);
    expect(signals.map((signal) => signal!.signalName)).toContain('stopChain');
  });
});

describe('SMTP rejection at send time', () => {
  it('a 550 from the receiving server records a hard bounce with its response and suppresses the address', async () => {
    const config = loadConfig({
      DATABASE_URL: database.url,
      SMTP_URL: smtp.url,
      TRACKING_SECRET: 'tracking-secret-for-the-tests-0123456789abcdef',
      MAIL_FROM: 'Shop <shop@mail.example.com>',
      SHOP_ID: shopId,
    });
    const services = await openServices(config, pino({ level: 'silent' }));
    try {
      const to = address('bounce');
      const cart = Cart.parse(cartUpdatedEvent({ customer: { email: to } }).data);
      const key = `cart:${shopId}:${cart.id}:reminder`;
      const send = activityEnvironment().run(
        deliverEmail,
        services.activityDeps,
        reminderSend({ shopId, cart, key, to }),
      );
      await expect(send).rejects.toThrow(/permanently \(550\)/);

      const [row] = await database.sql`select id from messages where key = ${key}`;
      expect(await eventsOf(to)).toEqual([
        {
          type: 'hard_bounce',
          source: 'smtp',
          provider_event_id: row!.id,
          message_id: row!.id,
          detail: expect.stringContaining('550 5.1.1 mailbox unavailable'),
        },
      ]);
      expect(await suppressionOf(to)).toMatchObject({ reason: 'hard_bounce', source: 'smtp' });
    } finally {
      await services.close();
    }
  });
});
