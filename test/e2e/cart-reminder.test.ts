import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker, bundleWorkflowCode } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { templatesDir } from '../../cli/services';
import { cartWorkflowId, sendKey } from '../../domain/ids';
import { pickVariant } from '../../domain/subject-variant';
import { createSmtpMailer, type Mailer } from '../../mail/mailer';
import { createTemplateRenderer } from '../../mail/template-renderer';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { createWorker, workflowsPath } from '../../worker';
import { TEST_SECRET, cartUpdatedEvent, orderPlacedEvent, signedRequest } from '../helpers/cart-events';
import { fastConsumerCampaign } from '../helpers/campaigns';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';

// Every component is real: the HTTP server on a port, the Temporal dev server (Temporal CLI),
// PostgreSQL and an SMTP server. The inactivity delay is shortened to 2 s to run in real time.
const ABANDON_AFTER_MS = 2_000;
// The shipped consumer chain's templates with delays of seconds: reminder, code, last chance.
const e2eCampaign = fastConsumerCampaign({ incentive: 'cart-incentive', lastChance: 'cart-last-chance' });
const shopId = 'shop-e2e';
let database: TestDatabase;
let smtp: MailCatcher;
let mailer: Mailer;
let nativeConnection: NativeConnection;
let connection: Connection;
let worker: Worker;
let workerRun: Promise<void>;
let server: ServerType;
let baseUrl: string;

beforeAll(async () => {
  const address = inject('temporalAddress');
  const taskQueue = `e2e-${randomUUID()}`;
  database = await createTestDatabase();
  smtp = await startMailCatcher();
  mailer = createSmtpMailer({ url: smtp.url, from: 'Cartflow Shop <shop@mail.example.com>' });
  nativeConnection = await NativeConnection.connect({ address });
  connection = await Connection.connect({ address });
  const silent = { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} };
  worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    deps: {
      db: database.db,
      mailer,
      templates: createTemplateRenderer({ dir: templatesDir }),
      messageIdDomain: 'mail.example.com',
    },
    workflowBundle: await bundleWorkflowCode({ workflowsPath, logger: silent }),
  });
  workerRun = worker.run();
  const app = createApp({
    db: database.db,
    workflows: createCartWorkflows({
      client: new Client({ connection }),
      taskQueue,
      abandonAfterMs: ABANDON_AFTER_MS,
      campaigns: [e2eCampaign],
    }),
    config: { shopId, webhookSecret: TEST_SECRET, webhookMaxBytes: 256 * 1024, webhookToleranceMs: 300_000 },
    logger: pino({ level: 'silent' }),
  });
  server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  worker?.shutdown();
  await workerRun;
  await nativeConnection?.close();
  await connection?.close();
  mailer?.close();
  await smtp?.close();
  await database?.drop();
});

beforeEach(() => {
  smtp.messages.length = 0;
});

const postWebhook = (event: unknown) => fetch(`${baseUrl}/webhooks/cart`, signedRequest(event));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('abandoned cart, end to end', () => {
  it('a signed webhook becomes the three emails of the chain, each exactly once', async () => {
    const event = cartUpdatedEvent({ customer: { email: 'grace@example.com', name: 'Grace' } });
    const response = await postWebhook(event);
    expect(response.status).toBe(202);
    // The shop's retry of the same delivery changes nothing.
    expect((await postWebhook(event)).status).toBe(200);

    const [reminder, incentive, lastChance] = await smtp.waitFor(3, 45_000);
    // The reminder has two subject lines (an A/B test); the send key decides which one.
    const reminderKey = sendKey({ shopId, cartId: event.data.id, step: 'reminder' });
    const subjects = ['Grace, your cart is waiting', 'Grace, still thinking it over? 3 items saved'];
    expect(reminder?.subject).toBe(subjects[pickVariant({ key: reminderKey, count: subjects.length })]);
    expect(reminder?.to && 'text' in reminder.to ? reminder.to.text : '').toBe('grace@example.com');
    expect(reminder?.from?.text).toBe('"Cartflow Shop" <shop@mail.example.com>');
    const html = String(reminder?.html).replaceAll('&#x3D;', '=');
    expect(html).toContain('Organic cotton T-shirt');
    expect(html).toContain('Enamel mug');
    expect(html).toContain('€19.90');
    expect(html).toContain('€39.80'); // 2 × 19.90
    expect(html).toContain('€52.30');
    expect(html).toContain('https://shop.example.com/cart/recover?token=t0k3n');
    expect(reminder?.text).toContain('Organic cotton T-shirt');
    expect(reminder?.text).toContain('https://shop.example.com/cart/recover?token=t0k3n');

    // The second email carries a fresh single-use code; the last chance reminds of the same one.
    const [code] = await database.sql`select code, status from discount_codes where cart_id = ${event.data.id}`;
    expect(code?.status).toBe('active');
    expect(reminder?.text).not.toContain(code?.code);
    expect(incentive?.text).toContain(code?.code);
    expect(lastChance?.text).toContain(code?.code);

    const workflowId = cartWorkflowId({ shopId, cartId: event.data.id });
    expect(await new Client({ connection }).workflow.getHandle(workflowId).result()).toBe('completed');
    await sleep(1_000);
    expect(smtp.messages).toHaveLength(3);
    const rows = await database.sql`select step, status, campaign_id, campaign_version, segment, kind
      from messages where cart_id = ${event.data.id} order by created_at`;
    expect(rows).toEqual(
      ['reminder', 'incentive', 'last-chance'].map((step) => ({
        step,
        status: 'sent',
        campaign_id: 'consumer',
        campaign_version: 3,
        segment: 'consumer',
        kind: 'marketing',
      })),
    );
    const [chain] = await database.sql`select status, outcome from chains where workflow_id = ${workflowId}`;
    expect(chain).toEqual({ status: 'finished', outcome: 'completed' });
    const [stored] = await database.sql`select count(*)::int as n from cart_events where cart_id = ${event.data.id}`;
    expect(stored?.n).toBe(1);
  });

  it('an order before the delay means no email at all', async () => {
    const event = cartUpdatedEvent();
    expect((await postWebhook(event)).status).toBe(202);
    expect((await postWebhook(orderPlacedEvent({ cartId: event.data.id }))).status).toBe(202);
    const outcome = await new Client({ connection }).workflow
      .getHandle(cartWorkflowId({ shopId, cartId: event.data.id }))
      .result();
    expect(outcome).toBe('purchased');
    await sleep(ABANDON_AFTER_MS + 1_000);
    expect(smtp.messages).toHaveLength(0);
  });
});
