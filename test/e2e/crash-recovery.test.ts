import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { messageIdFor } from '../../activities/deliver-email';
import { cartWorkflowId, sendKey } from '../../domain/ids';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import type { CrashPoint } from '../fixtures/crash-worker';
import { killWorkerProcesses, startWorkerProcess, type WorkerProcess } from '../fixtures/worker-process';
import { TEST_SECRET, cartUpdatedEvent, orderPlacedEvent, signedRequest } from '../helpers/cart-events';
import { fastConsumerCampaign } from '../helpers/campaigns';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { type WorkflowBundleFile, workflowBundleFile } from '../helpers/workflow-bundle-file';

// The worker runs as its own process and is SIGKILLed in the middle of a send, then started again.
// Temporal, Postgres and SMTP are real. Temporal notices a killed activity only when its
// startToCloseTimeout (1 minute, as in production) has passed, so each case takes over a minute:
// the three run side by side, each with its own cart, customer, task queue, worker processes and
// database. (A webhook wakes its app's relay, which delivers every due event of its database to its
// own task queue: on one shared database a case's event could start on another case's worker.)
const CASE_TIMEOUT_MS = 240_000;
const shopId = 'shop-crash';
const mailDomain = 'mail.example.com';
const steps = ['reminder', 'incentive', 'last-chance'] as const;
type Step = (typeof steps)[number];
const campaign = fastConsumerCampaign({ incentive: 'cart-reminder', lastChance: 'cart-reminder' });

const databases: TestDatabase[] = [];
let smtp: MailCatcher;
let connection: Connection;
let client: Client;
let workflowBundle: WorkflowBundleFile;

beforeAll(async () => {
  smtp = await startMailCatcher();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  // Bundled once here rather than in each of the six worker processes (two cores).
  workflowBundle = await workflowBundleFile('crash');
});

afterAll(async () => {
  await killWorkerProcesses();
  await connection?.close();
  await smtp?.close();
  await Promise.all(databases.map((database) => database.drop()));
  await workflowBundle?.remove();
});

function startWorker(
  taskQueue: string,
  database: TestDatabase,
  crash?: { point: CrashPoint; key: string },
): WorkerProcess {
  return startWorkerProcess({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: database.url,
    SMTP_URL: smtp.url,
    MAIL_FROM: `Cartflow Shop <shop@${mailDomain}>`,
    TRACKING_SECRET: 'crash-test-tracking-secret-0123456789abcdef',
    LOG_LEVEL: 'warn',
    WORKFLOW_BUNDLE: workflowBundle.path,
    ...(crash && { CRASH_POINT: crash.point, CRASH_KEY: crash.key }),
  });
}

/**
 * Starts a worker that stops at `point` in the send of `step`, posts a signed cart webhook, and
 * resolves once that worker hangs there (not yet killed).
 */
async function chainStoppedAt(point: CrashPoint, step: Step, customer: string = point) {
  const taskQueue = `crash-${point}-${randomUUID()}`;
  const database = await createTestDatabase();
  databases.push(database);
  // One customer per case: emails are told apart by their recipient.
  const email = `${customer}@example.com`;
  const event = cartUpdatedEvent({ customer: { email } });
  const cartId = event.data.id;
  const keyOf = (name: Step) => sendKey({ shopId, cartId, step: name });
  const crashing = startWorker(taskQueue, database, { point, key: keyOf(step) });
  await crashing.waitForLine(/^READY$/);

  const app = createApp({
    db: database.db,
    workflows: createCartWorkflows({ client, taskQueue, abandonAfterMs: 1_000, campaigns: [campaign] }),
    config: { shopId, webhookSecret: TEST_SECRET, webhookMaxBytes: 256 * 1024, webhookToleranceMs: 300_000 },
    logger: pino({ level: 'silent' }),
  });
  const post = async (body: unknown) => {
    const response = await app.request('/webhooks/cart', signedRequest(body));
    if (response.status !== 202) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
  };
  await post(event);
  const at = await crashing.waitForLine(/^AT /);

  const stepOfMessageId = new Map(steps.map((name) => [messageIdFor(keyOf(name), mailDomain), name]));
  const mails = () => smtp.messages.filter((mail) => mail.to && 'text' in mail.to && mail.to.text === email);
  return {
    at,
    key: keyOf(step),
    workflow: client.workflow.getHandle(cartWorkflowId({ shopId, cartId })),
    /** Emails that reached the SMTP server for this cart's customer. */
    mails,
    /** How many emails arrived per step, told apart by their deterministic Message-ID. */
    copiesPerStep() {
      const counts: Record<string, number> = {};
      for (const mail of mails()) {
        const name = stepOfMessageId.get(mail.messageId ?? '') ?? `unknown ${mail.messageId}`;
        counts[name] = (counts[name] ?? 0) + 1;
      }
      return counts;
    },
    async rowStatus() {
      const [row] = await database.sql`select status from messages where key = ${keyOf(step)}`;
      return row?.status;
    },
    async rows() {
      return database.sql`select step, status from messages where cart_id = ${cartId} order by created_at`;
    },
    /** The customer buys the cart (an order.placed webhook). */
    async buy() {
      await post(orderPlacedEvent({ cartId }));
    },
    /** SIGKILLs the stopped worker and starts a plain one on the same task queue. */
    async killAndRestart() {
      const exit = await crashing.kill('SIGKILL');
      const restarted = startWorker(taskQueue, database);
      await restarted.waitForLine(/^READY$/);
      return { exit, restarted };
    },
  };
}

const allSent = steps.map((step) => ({ step, status: 'sent' }));

describe.concurrent('a worker killed in the middle of a send, then restarted', () => {
  it(
    'killed after the message row is written, before SMTP: every step arrives exactly once',
    async ({ expect }) => {
      const chain = await chainStoppedAt('before-smtp', 'reminder');
      expect(chain.at).toBe(`AT before-smtp ${chain.key}`);
      expect(await chain.rowStatus()).toBe('sending');
      expect(chain.mails()).toHaveLength(0);

      const { exit, restarted } = await chain.killAndRestart();
      expect(exit.signal).toBe('SIGKILL');
      expect(await chain.workflow.result()).toBe('completed');
      expect(chain.copiesPerStep()).toEqual({ reminder: 1, incentive: 1, 'last-chance': 1 });
      expect(await chain.rows()).toEqual(allSent);
      expect((await restarted.stop()).code).toBe(0);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'killed after the send is recorded, before the activity completes: every step arrives exactly once',
    async ({ expect }) => {
      const chain = await chainStoppedAt('after-record', 'incentive');
      expect(chain.at).toBe(`AT after-record ${chain.key}`);
      expect(await chain.rowStatus()).toBe('sent');
      expect(chain.copiesPerStep()).toEqual({ reminder: 1, incentive: 1 });

      const { exit, restarted } = await chain.killAndRestart();
      expect(exit.signal).toBe('SIGKILL');
      // Temporal runs the step again; it finds the 'sent' row and does not send.
      expect(await chain.workflow.result()).toBe('completed');
      expect(chain.copiesPerStep()).toEqual({ reminder: 1, incentive: 1, 'last-chance': 1 });
      expect(await chain.rows()).toEqual(allSent);
      expect((await restarted.stop()).code).toBe(0);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'killed after SMTP accepted, before the row is updated (the documented window): the one duplicate has the same Message-ID',
    async ({ expect }) => {
      const chain = await chainStoppedAt('after-smtp-before-record', 'incentive');
      expect(chain.at).toBe(`AT after-smtp-before-record ${chain.key}`);
      expect(await chain.rowStatus()).toBe('sending');
      expect(chain.copiesPerStep()).toEqual({ reminder: 1, incentive: 1 });

      const { exit, restarted } = await chain.killAndRestart();
      expect(exit.signal).toBe('SIGKILL');
      expect(await chain.workflow.result()).toBe('completed');
      // Not exactly once: the retry cannot know the first copy was accepted. It is the same email
      // under the same Message-ID, so mail systems and the customer's client can tell.
      expect(chain.copiesPerStep()).toEqual({ reminder: 1, incentive: 2, 'last-chance': 1 });
      const copies = chain.mails().filter((mail) => mail.messageId === messageIdFor(chain.key, mailDomain));
      expect(copies[1]?.subject).toBe(copies[0]?.subject);
      expect(copies[1]?.text).toBe(copies[0]?.text); // the same discount code, too
      expect(await chain.rows()).toEqual(allSent);
      expect((await restarted.stop()).code).toBe(0);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'killed after SMTP accepted, before the row is updated, and the cart bought meanwhile: not sent again, recorded unconfirmed',
    async ({ expect }) => {
      const chain = await chainStoppedAt('after-smtp-before-record', 'incentive', 'bought-meanwhile');
      expect(chain.at).toBe(`AT after-smtp-before-record ${chain.key}`);
      expect(chain.copiesPerStep()).toEqual({ reminder: 1, incentive: 1 });
      await chain.buy();

      const { exit, restarted } = await chain.killAndRestart();
      expect(exit.signal).toBe('SIGKILL');
      expect(await chain.workflow.result()).toBe('purchased');
      // An email after the order would be worse than not knowing: the one copy stays the only one,
      // and its row says it may have gone out, with why it was not sent again.
      expect(chain.copiesPerStep()).toEqual({ reminder: 1, incentive: 1 });
      expect(await chain.rows()).toEqual([
        { step: 'reminder', status: 'sent' },
        { step: 'incentive', status: 'unconfirmed' },
      ]);
      expect((await restarted.stop()).code).toBe(0);
    },
    CASE_TIMEOUT_MS,
  );
});
