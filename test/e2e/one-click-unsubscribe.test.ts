import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker, bundleWorkflowCode } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { templatesDir } from '../../cli/services';
import { createChainStopper } from '../../compliance/chain-stopper';
import { cartWorkflowId } from '../../domain/ids';
import { createSmtpMailer, type Mailer } from '../../mail/mailer';
import { createTemplateRenderer } from '../../mail/template-renderer';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { createWorker, workflowsPath } from '../../worker';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { listUnsubscribeOf, oneClickRequest } from '../helpers/unsubscribe-links';

// The RFC 8058 test, every component real: HTTP server on a port, Temporal dev server,
// PostgreSQL, SMTP. Emails link to https://cartflow.example.com, the way a reverse proxy in front
// of cartflow would be addressed; the test sends the same path to the local server.
const PUBLIC_BASE_URL = 'https://cartflow.example.com';
const TRACKING_SECRET = 'one-click-test-secret-0123456789abcdef';
const ABANDON_AFTER_MS = 1_000;
const SECOND_STEP_DELAY_S = 4;
const campaign = consumerCampaign({
  frequency: { minGap: '1s', maxPer7Days: 10, maxDeferral: '1h' },
  steps: [
    { id: 'reminder', delay: '0s', template: 'cart-reminder' },
    { id: 'incentive', delay: `${SECOND_STEP_DELAY_S}s`, template: 'cart-incentive' },
    { id: 'last-chance', delay: '4s', template: 'cart-last-chance' },
  ],
});
const shopId = 'shop-one-click';
let database: TestDatabase;
let smtp: MailCatcher;
let mailer: Mailer;
let nativeConnection: NativeConnection;
let connection: Connection;
let worker: Worker;
let workerRun: Promise<void>;
let server: ServerType;
let serverUrl: string;

beforeAll(async () => {
  const address = inject('temporalAddress');
  const taskQueue = `one-click-${randomUUID()}`;
  database = await createTestDatabase();
  smtp = await startMailCatcher();
  mailer = createSmtpMailer({ url: smtp.url, from: 'Cartflow Shop <shop@mail.example.com>' });
  nativeConnection = await NativeConnection.connect({ address });
  connection = await Connection.connect({ address });
  const client = new Client({ connection });
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
      links: {
        secret: TRACKING_SECRET,
        baseUrl: PUBLIC_BASE_URL,
        trackOpens: true,
        trackClicks: true,
        linkTtlMs: 365 * 86_400_000,
        unsubscribeTtlMs: 730 * 86_400_000,
        unsubscribeMailto: 'unsubscribe@mail.example.com',
      },
    },
    workflowBundle: await bundleWorkflowCode({ workflowsPath, logger: silent }),
  });
  workerRun = worker.run();
  const app = createApp({
    db: database.db,
    workflows: createCartWorkflows({ client, taskQueue, abandonAfterMs: ABANDON_AFTER_MS, campaigns: [campaign] }),
    config: {
      shopId,
      webhookSecret: TEST_SECRET,
      webhookMaxBytes: 256 * 1024,
      webhookToleranceMs: 300_000,
      trackingSecret: TRACKING_SECRET,
    },
    chains: createChainStopper({ db: database.db, client }),
    logger: pino({ level: 'silent' }),
  });
  server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** What the reverse proxy does: the public https URL's path, on the local server. */
const local = (publicUrl: string) => `${serverUrl}${new URL(publicUrl).pathname}`;

describe('RFC 8058 one-click unsubscribe, end to end', () => {
  it('the header link unsubscribes on POST (not on GET), and the running chain sends nothing more', async () => {
    const email = `one-click-${randomUUID().slice(0, 8)}@example.com`;
    const event = cartUpdatedEvent({ customer: { email, name: 'Ola' } });
    expect((await fetch(`${serverUrl}/webhooks/cart`, signedRequest(event))).status).toBe(202);
    const [reminder] = await smtp.waitFor(1, 20_000);
    const sentAt = Date.now();

    const header = listUnsubscribeOf(reminder);
    expect(header.https).toMatch(/^https:\/\/cartflow\.example\.com\/u\/[\w-]+\.[\w-]+$/);
    expect(header.mailto).toMatch(/^mailto:unsubscribe@mail\.example\.com\?subject=unsubscribe%20/);
    expect(header.post).toBe('List-Unsubscribe=One-Click');
    // The footer link is the same signed URL, untracked.
    expect(String(reminder?.html)).toContain(header.https);

    const url = local(header.https as string);
    const suppressed = () => database.sql`select reason, source from suppressions where email = ${email}`;
    const scanned = await fetch(url);
    expect(scanned.status).toBe(200);
    expect(await scanned.text()).toContain('Unsubscribe from all marketing email');
    expect(await suppressed()).toEqual([]);

    const response = await fetch(url, oneClickRequest);
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.text()).toContain('unsubscribed');
    expect(await suppressed()).toEqual([{ reason: 'unsubscribed', source: 'one_click' }]);
    // Providers may retry: a second POST is answered the same and changes nothing.
    expect((await fetch(url, oneClickRequest)).status).toBe(200);
    expect(await suppressed()).toHaveLength(1);

    const workflowId = cartWorkflowId({ shopId, cartId: event.data.id });
    const handle = new Client({ connection }).workflow.getHandle(workflowId);
    expect(await handle.result()).toBe('stopped');
    const [chain] = await database.sql`select status, outcome from chains where workflow_id = ${workflowId}`;
    expect(chain).toEqual({ status: 'finished', outcome: 'stopped' });
    // Past the moment the second step would have gone out: still the one email.
    await sleep(Math.max(0, sentAt + SECOND_STEP_DELAY_S * 1_000 + 1_500 - Date.now()));
    expect(smtp.messages).toHaveLength(1);
    const rows = await database.sql`select step, status from messages where cart_id = ${event.data.id}`;
    expect(rows).toEqual([{ step: 'reminder', status: 'sent' }]);
  });
});
