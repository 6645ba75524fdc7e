import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { killWorkerProcesses, startWorkerProcess, type WorkerProcess } from '../fixtures/worker-process';
import { cartUpdatedEvent, orderPlacedEvent, signedRequest, TEST_SECRET } from '../helpers/cart-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/free-port';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { oneClickRequest } from '../helpers/unsubscribe-links';

// `npm run server` and `npm run worker` as the real processes, at LOG_LEVEL=debug, with
// Temporal's runtime logs routed into pino as in production: every line either writes, stdout and
// stderr, is kept. A customer goes through the whole chain (webhook, duplicate, a refused
// payload, the reminder email, open, click, the preferences page, one-click unsubscribe, the
// privacy export, a second cart, an order) and nothing of them may appear in any line.
const NAME = 'Zoë Ünïque-Testperson';
const EMAIL = 'zoe.unique+logs@example.org';
const ADMIN_TOKEN = 'log-privacy-admin-token-0123456789';
const shopId = 'shop-logs';

let database: TestDatabase;
let smtp: MailCatcher;
let server: WorkerProcess;
let worker: WorkerProcess;
let baseUrl: string;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startMailCatcher();
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: `log-privacy-${randomUUID()}`,
    TRACKING_SECRET: 'log-privacy-tracking-secret-0123456789',
    PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    SHOP_ID: shopId,
    PUBLIC_BASE_URL: baseUrl,
    LOG_LEVEL: 'debug',
  };
  worker = startWorkerProcess(
    { ...env, SMTP_URL: smtp.url, MAIL_FROM: 'Cartflow Shop <shop@mail.example.com>' },
    { script: 'worker.ts' },
  );
  server = startWorkerProcess(
    {
      ...env,
      WEBHOOK_SECRET: TEST_SECRET,
      ADMIN_TOKEN,
      HOST: '127.0.0.1',
      PORT: String(port),
      ABANDON_AFTER: '2s',
      CAMPAIGNS_DIR: 'test/fixtures/campaigns-fast',
    },
    { script: 'server/main.ts' },
  );
  await Promise.all([server.waitForLine(/http server listening/), worker.waitForLine(/worker started/, 120_000)]);
}, 180_000);

afterAll(async () => {
  await killWorkerProcesses();
  await smtp?.close();
  await database?.drop();
});

const post = (path: string, init: RequestInit) => fetch(`${baseUrl}${path}`, init);

/** Every form the person's data could take in a log line. */
const forbidden = [
  EMAIL,
  'zoe.unique', // the local part, with or without the tag
  'example.org',
  encodeURIComponent(EMAIL),
  NAME,
  'Zoë',
  'Zo\\u00eb', // JSON-escaped
  'Ünïque',
  'Testperson',
];

describe('logs of the server and the worker', () => {
  it('name and address of a customer appear nowhere, through the whole chain', async () => {
    const customer = { email: EMAIL, name: NAME, marketingConsent: true };
    const event = cartUpdatedEvent({ customer });
    expect((await post('/webhooks/cart', signedRequest(event))).status).toBe(202);
    expect((await post('/webhooks/cart', signedRequest(event))).status).toBe(200);
    // A payload the server refuses, carrying the same person.
    const refused = cartUpdatedEvent({ customer: { ...customer, timeZone: `Not/A Zone ${NAME}` } });
    expect((await post('/webhooks/cart', signedRequest({ ...refused, type: `cart.${EMAIL}` }))).status).toBe(400);

    const [reminder] = await smtp.waitFor(1, 60_000);
    expect(reminder?.to && 'text' in reminder.to ? reminder.to.text : '').toContain(EMAIL);
    const html = String(reminder?.html).replaceAll('&#x3D;', '=').replaceAll('&amp;', '&');
    const pixel = /src="([^"]*\/t\/o\/[^"]+)"/.exec(html)?.[1];
    const click = /href="([^"]*\/t\/c\/[^"]+)"/.exec(html)?.[1];
    expect(pixel && click).toBeTruthy();
    expect((await fetch(pixel!)).status).toBe(200);
    expect((await fetch(click!, { redirect: 'manual' })).status).toBe(302);

    // PUBLIC_BASE_URL is plain http here: the footer link, not the https-only List-Unsubscribe helper.
    const unsubscribeUrl = /href="([^"]*\/u\/[^"]+)"/.exec(html)?.[1];
    expect(unsubscribeUrl).toBeTruthy();
    const page = await fetch(unsubscribeUrl!);
    expect(await page.text()).toContain('Email preferences');
    expect((await fetch(unsubscribeUrl!, oneClickRequest)).status).toBe(200);

    const exported = await fetch(`${baseUrl}/admin/privacy/export?email=${encodeURIComponent(EMAIL)}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(exported.status).toBe(200);

    // A second cart of the same person, bought before any email (the chain ends 'purchased').
    const second = cartUpdatedEvent({ customer });
    expect((await post('/webhooks/cart', signedRequest(second))).status).toBe(202);
    expect((await post('/webhooks/cart', signedRequest(orderPlacedEvent({ cartId: second.data.id })))).status).toBe(
      202,
    );

    await eventually(async () => {
      const [chain] = await database.sql`select status, outcome from chains where cart_id = ${event.data.id}`;
      expect(chain).toMatchObject({ status: 'finished' });
      const [cart] = await database.sql`select status from carts where cart_id = ${second.data.id}`;
      expect(cart?.status).toBe('purchased');
    }, 60_000);

    server.signal('SIGTERM');
    worker.signal('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(await worker.exited).toEqual({ code: 0, signal: null });

    const logs = `${server.output()}\n${worker.output()}`;
    // The capture works: these lines are there, from both processes and from Temporal's runtime.
    expect(server.output()).toMatch(/"msg":"cart event accepted"/);
    expect(worker.output()).toMatch(/"msg":"worker started"/);
    expect(worker.output()).toMatch(/"component":"temporal"/);
    for (const text of forbidden) {
      const line = logs.split('\n').find((candidate) => candidate.toLowerCase().includes(text.toLowerCase()));
      expect(line, `log line containing ${JSON.stringify(text)}`).toBeUndefined();
    }
  }, 180_000);
});
