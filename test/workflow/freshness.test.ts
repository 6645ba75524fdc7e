import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { templatesDir } from '../../app/services';
import type { CartUpdatedEvent } from '../../domain/events';
import { CartEvent } from '../../domain/events';
import { cartWorkflowId } from '../../domain/ids';
import { createSmtpMailer } from '../../mail/mailer';
import { createTemplateRenderer } from '../../mail/template-renderer';
import { createCartWorkflows } from '../../server/cart-workflows';
import { workflowsPath } from '../../worker';
import { cartUpdatedEvent } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/free-port';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';

// Real activities, Postgres and SMTP on the dev server, in real time with a window of seconds: the
// step is a local activity, which reads its attempts' times from the worker's clock, so a server
// that skips time would show it none of the outage.
const shopId = 'shop-freshness';
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let smtp: MailCatcher | undefined;

beforeAll(async () => {
  [env, database] = await Promise.all([
    TestWorkflowEnvironment.createFromExistingServer({ address: inject('temporalAddress') }),
    createTestDatabase(),
  ]);
});
afterAll(async () => {
  await smtp?.close();
  await database?.drop();
  await env?.teardown();
});

describe('freshness window (dev server, real Postgres and SMTP)', () => {
  it('a reminder the mail server could not take within its window is recorded as expired, never sent late; the next step goes out', async () => {
    const campaign = consumerCampaign({
      freshFor: '4s',
      frequency: { minGap: '1s', maxPer7Days: 10, maxDeferral: '1h' },
      steps: [
        { id: 'reminder', delay: '1s', template: 'cart-reminder' },
        { id: 'last-chance', delay: '2s', template: 'cart-reminder' },
      ],
    });
    // The mailer points at a port where no server listens yet: every attempt is refused.
    const port = await freePort();
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${port}`, from: 'Shop <shop@mail.example.com>' });
    const taskQueue = `tq-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath,
        logger: { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} },
      }),
      activities: createActivities({
        db: database.db,
        mailer,
        templates: createTemplateRenderer({ dir: templatesDir }),
        messageIdDomain: 'mail.example.com',
      }),
    });
    const workflows = createCartWorkflows({
      client: env.client,
      taskQueue,
      abandonAfterMs: 1_000,
      campaigns: [campaign],
    });
    const cartId = `c-${randomUUID()}`;
    const stepRows = () =>
      database.sql<{ step: string; status: string; reason: string | null }[]>`
        select step, status, reason from messages where cart_id = ${cartId} order by created_at`;

    try {
      const outcome = await worker.runUntil(async () => {
        const event = cartUpdatedEvent({
          cartId,
          updatedAt: new Date(await env.currentTimeMs()).toISOString(),
          customer: { email: "o'brien+süß@example.com" },
        }) as CartUpdatedEvent;
        await workflows.deliver(shopId, CartEvent.parse(event));
        const handle = env.client.workflow.getHandle(cartWorkflowId({ shopId, cartId }));
        // Abandoned after 1 s, due 1 s later, refused, retried 5 s later (back-off), past its 4-second
        // window by then: recorded, not sent.
        await eventually(
          async () => expect(await stepRows()).toEqual([{ step: 'reminder', status: 'skipped', reason: 'expired' }]),
          60_000,
        );
        // The mail server comes back while the chain waits for its next step.
        smtp = await startMailCatcher({ port });
        return handle.result();
      });
      expect(outcome).toBe('completed');
    } finally {
      mailer.close();
    }
    expect(await stepRows()).toEqual([
      { step: 'reminder', status: 'skipped', reason: 'expired' },
      { step: 'last-chance', status: 'sent', reason: null },
    ]);
    // Exactly one email reached the server: the fresh step's, never the stale reminder.
    expect(smtp?.envelopes).toHaveLength(1);
    const [chain] =
      await database.sql`select outcome from chains where workflow_id = ${cartWorkflowId({ shopId, cartId })}`;
    expect(chain?.outcome).toBe('completed');
  }, 240_000);
});
