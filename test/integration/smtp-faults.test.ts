import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { templatesDir } from '../../app/services';
import { CartEvent } from '../../domain/events';
import { cartWorkflowId } from '../../domain/ids';
import { createSmtpMailer, type Mailer } from '../../mail/mailer';
import { createTemplateRenderer } from '../../mail/template-renderer';
import { createCartWorkflows } from '../../server/cart-workflows';
import { cartUpdatedEvent } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/free-port';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { type TestWorker, startTestWorker } from '../helpers/test-worker';

// A real SMTP server on loopback that is down or answers 4xx, with real Temporal and Postgres:
// every email must arrive exactly once, counted at the SMTP server and in the messages table.
const shopId = 'shop-smtp-faults';
const campaign = consumerCampaign({
  frequency: { minGap: '1s', maxPer7Days: 10, maxDeferral: '1h' },
  steps: [
    { id: 'reminder', delay: '1s', template: 'cart-reminder' },
    { id: 'last-chance', delay: '1s', template: 'cart-reminder' },
  ],
});

let database: TestDatabase;
let connection: Connection;
let client: Client;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await connection?.close();
  await database?.drop();
});

/** A worker whose mailer sends to `port`, and a way to start chains for new carts on it. */
async function chainsSendingTo(port: number) {
  const mailer: Mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${port}`, from: 'Shop <shop@mail.example.com>' });
  closers.push(() => mailer.close());
  const taskQueue = `smtp-faults-${randomUUID()}`;
  const worker: TestWorker = await startTestWorker({
    taskQueue,
    deps: {
      db: database.db,
      mailer,
      templates: createTemplateRenderer({ dir: templatesDir }),
      messageIdDomain: 'mail.example.com',
    },
  });
  closers.push(() => worker.shutdown());
  const workflows = createCartWorkflows({ client, taskQueue, abandonAfterMs: 500, campaigns: [campaign] });
  const startCarts = async (emails: string[]) => {
    const cartIds = emails.map(() => `c-${randomUUID()}`);
    for (const [index, cartId] of cartIds.entries()) {
      const event = cartUpdatedEvent({ cartId, customer: { email: emails[index] } });
      await workflows.deliver(shopId, CartEvent.parse(event));
    }
    return cartIds;
  };
  return { startCarts };
}

const results = (cartIds: string[]) =>
  Promise.all(cartIds.map((cartId) => client.workflow.getHandle(cartWorkflowId({ shopId, cartId })).result()));

async function rowsOf(cartIds: string[]) {
  return database.sql<{ cart_id: string; step: string; status: string }[]>`
    select cart_id, step, status from messages where cart_id in ${database.sql(cartIds)} order by cart_id, step`;
}

/** Each delivered email once: one per cart and step, and no Message-ID twice. */
function expectEachOnce(smtp: MailCatcher, cartIds: string[], recipients: string[]) {
  const messageIds = smtp.messages.map((message) => message.messageId);
  expect(new Set(messageIds).size).toBe(messageIds.length);
  expect(
    smtp.envelopes
      .map((envelope) => envelope.to)
      .flat()
      .sort(),
  ).toEqual(recipients.flatMap((address) => [address, address]).sort());
  expect(messageIds).toHaveLength(cartIds.length * campaign.steps.length);
}

describe('SMTP faults (real SMTP server, Temporal and Postgres)', () => {
  it('mail server down, then back: every email arrives exactly once', async () => {
    const port = await freePort();
    const { startCarts } = await chainsSendingTo(port);
    const recipients = [`o'brien-${randomUUID().slice(0, 6)}@example.com`, `зоя-${randomUUID().slice(0, 6)}@пример.рф`];
    const cartIds = await startCarts(recipients);
    // Both first emails were attempted while nothing listened: their rows wait in 'sending'.
    await eventually(async () => {
      const rows = await rowsOf(cartIds);
      expect(rows.filter((row) => row.status === 'sending')).toHaveLength(2);
    }, 60_000);
    const smtp = await startMailCatcher({ port });
    closers.push(() => smtp.close());

    expect(await results(cartIds)).toEqual(['completed', 'completed']);
    expectEachOnce(smtp, cartIds, recipients);
    const rows = await rowsOf(cartIds);
    expect(rows.map((row) => row.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
  }, 240_000);

  it('answers of 421 and 451 (busy, greylisting), then 250: each email delivered once, no duplicate', async () => {
    // The first two recipients are refused with 421, the first two message bodies with 451.
    const refusals = { rcpt: 2, data: 2 };
    const answered: number[] = [];
    const smtp = await startMailCatcher({
      temporaryFailure: (stage) => {
        if (refusals[stage] === 0) return undefined;
        refusals[stage] -= 1;
        const code = stage === 'rcpt' ? 421 : 451;
        answered.push(code);
        return code;
      },
    });
    closers.push(() => smtp.close());
    const { startCarts } = await chainsSendingTo(Number(new URL(smtp.url).port));
    const recipients = [`a&b-${randomUUID().slice(0, 6)}@example.com`, `c-${randomUUID().slice(0, 6)}@example.com`];
    const cartIds = await startCarts(recipients);

    expect(await results(cartIds)).toEqual(['completed', 'completed']);
    expect(answered.sort()).toEqual([421, 421, 451, 451]);
    expectEachOnce(smtp, cartIds, recipients);
    const rows = await rowsOf(cartIds);
    expect(rows.map((row) => row.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
  }, 240_000);
});
