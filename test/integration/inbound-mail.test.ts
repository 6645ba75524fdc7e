import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deliverEmail } from '../../activities/deliver-email';
import { type Services, openServices, unsubscribeAddress } from '../../app/services';
import { createChainStopper } from '../../app/chain-stopper';
import { erasePerson } from '../../app/privacy';
import { type Config, loadConfig } from '../../config/env';
import { Cart } from '../../domain/events';
import { cartWorkflowId } from '../../domain/ids';
import { startInboundFromConfig } from '../../inbound/listener-from-config';
import type { InboundSmtp } from '../../inbound/smtp-listener';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { messageIdOfReturnPath } from '../../tracking/return-path';
import { signToken } from '../../tracking/tokens';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import { type TestDatabase, createTestDatabase } from '../helpers/database';
import { firstFormToken } from '../helpers/first-form-token';
import { type TestHttpServer, startHttpServer } from '../helpers/http-server';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { createTestRelay } from '../helpers/outbox-relay';
import { activityEnvironment } from '../helpers/test-logger';
import { listUnsubscribeOf } from '../helpers/unsubscribe-links';
import { reminderSend } from '../helpers/reminder-send';

// Mail in and mail out over real SMTP on loopback: the worker's mailer sends a marketing email to a
// mail catcher, then DSNs and unsubscribe mails go back to the addresses that email carries, into
// the inbound listener, with nodemailer as the remote server. Real Postgres; real Temporal, whose
// cart workflows (on a queue without a worker) show the stop signal in their history.
const shopId = 'shop-inbound';
const TRACKING_SECRET = 'inbound-test-secret-0123456789abcdef0123';
const DOMAIN = 'mail.example.com';

let database: TestDatabase;
let connection: Connection;
let client: Client;
let catcher: MailCatcher;
let http: TestHttpServer;
let config: Config;
let services: Services;
let inbound: InboundSmtp;
let relay: ReturnType<typeof createTestRelay>;

beforeAll(async () => {
  database = await createTestDatabase();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  catcher = await startMailCatcher();
  config = loadConfig({
    DATABASE_URL: database.url,
    SMTP_URL: catcher.url,
    TRACKING_SECRET,
    MAIL_FROM: `Shop <shop@${DOMAIN}>`,
    SHOP_ID: shopId,
    BOUNCE_ADDRESS: `bounce@${DOMAIN}`,
    INBOUND_SMTP_PORT: '0',
    INBOUND_SMTP_MAX_BYTES: String(64 * 1024),
  });
  services = await openServices(config, pino({ level: 'silent' }));
  inbound = await startInboundFromConfig({
    config,
    port: 0,
    addresses: { unsubscribe: unsubscribeAddress(config), bounce: config.BOUNCE_ADDRESS },
    db: database.db,
    client,
    trackingSecret: TRACKING_SECRET,
    logger: pino({ level: 'silent' }),
  });
  const workflows = createCartWorkflows({
    client,
    taskQueue: 'inbound-test-no-worker',
    abandonAfterMs: 3_600_000,
    campaigns: [consumerCampaign()],
  });
  relay = createTestRelay({ db: database.db, workflows });
  const app = createApp({
    db: database.db,
    workflows,
    relay,
    config: { shopId, webhookSecret: TEST_SECRET, webhookMaxBytes: 64 * 1024, webhookToleranceMs: 300_000 },
    chains: createChainStopper({ db: database.db, client }),
    logger: pino({ level: 'silent' }),
  });
  http = await startHttpServer(app);
});
afterAll(async () => {
  await inbound?.close();
  await http?.close();
  await services?.close();
  await catcher?.close();
  await connection?.close();
  await database?.drop();
});

interface SentEmail {
  email: string;
  cartId: string;
  rowId: string;
  mail: ParsedMail;
  returnPath: string;
}

/** A customer with a running cart workflow receives a real marketing email through the real mailer. */
async function sendMarketingEmail(label: string): Promise<SentEmail> {
  const email = `${label}-${randomUUID().slice(0, 8)}@example.com`;
  const event = cartUpdatedEvent({ customer: { email, name: "Zoë O'Brien & Co" } });
  expect((await fetch(`${http.url}/webhooks/cart`, signedRequest(event))).status).toBe(202);
  // The webhook only stored the event: let the relay start the workflow the tests stop.
  await relay.deliver();
  const cart = Cart.parse(event.data);
  const key = `cart:${shopId}:${cart.id}:reminder`;
  const before = catcher.raw.length;
  await activityEnvironment().run(
    deliverEmail,
    services.activityDeps,
    reminderSend({ shopId, cart, key, to: email, campaign: { id: 'b2c-cart', version: 1, segment: 'default' } }),
  );
  await catcher.waitFor(before + 1);
  const [row] = await database.sql`select id from messages where key = ${key}`;
  return {
    email,
    cartId: cart.id,
    rowId: row!.id as string,
    mail: catcher.messages[before]!,
    returnPath: catcher.envelopes[before]!.from,
  };
}

/** The remote mail server: nodemailer delivering one raw message to the inbound listener. */
async function deliverInbound(options: { from?: string; to: string; raw: string }) {
  const transport = nodemailer.createTransport({
    host: inbound.host,
    port: inbound.port,
    secure: false,
    // Servers delivering to an MX use STARTTLS without checking the certificate, as here.
    tls: { rejectUnauthorized: false },
  });
  try {
    return await transport.sendMail({ envelope: { from: options.from ?? '', to: [options.to] }, raw: options.raw });
  } finally {
    transport.close();
  }
}

const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n');

/** RFC 3464's layout (its appendix examples), as Postfix words it for a 5.1.1 or a 4.2.2. */
function dsn(options: { to: string; recipient: string; status: string; diagnostic: string; id?: string }) {
  const id = options.id ?? `<${randomUUID()}@mx.example.net>`;
  return crlf(`Date: Thu, 7 May 2026 17:16:05 +0000
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: ${options.to}
Auto-Submitted: auto-replied
Message-ID: ${id}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="RAA14128.773615765/mx.example.net"

--RAA14128.773615765/mx.example.net
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<${options.recipient}>: ${options.diagnostic}

--RAA14128.773615765/mx.example.net
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
X-Postfix-Queue-ID: 4C2B61C0033
Arrival-Date: Thu, 7 May 2026 17:15:49 +0000

Final-Recipient: rfc822; ${options.recipient}
Original-Recipient: rfc822;${options.recipient}
Action: failed
Status: ${options.status}
Remote-MTA: dns; mail.example.org
Diagnostic-Code: smtp; ${options.diagnostic}

--RAA14128.773615765/mx.example.net
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Shop <shop@${DOMAIN}>
To: ${options.recipient}
Subject: You left something in your cart

--RAA14128.773615765/mx.example.net--
`);
}

function plainMail(options: { from: string; to: string; subject: string; headers?: string; body?: string }) {
  return crlf(`From: ${options.from}
To: ${options.to}
Subject: ${options.subject}
Message-ID: <${randomUUID()}@example.org>
Date: Thu, 7 May 2026 18:00:00 +0000
${options.headers ?? ''}MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

${options.body ?? 'Please take me off your list.'}
`);
}

const suppressionOf = async (email: string) =>
  (await database.sql`select reason, source from suppressions where shop_id = ${shopId} and email = ${email}`)[0];
const eventsOf = (email: string) =>
  database.sql`select type, source, provider_event_id, message_id, detail from delivery_events
               where shop_id = ${shopId} and email = ${email} order by id`;
const unsubscribesOf = (rowId: string) =>
  database.sql`select scope from unsubscribe_events where message_id = ${rowId}`;
async function stopSignalsOf(cartId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(cartWorkflowId({ shopId, cartId })).fetchHistory();
  return (history.events ?? []).flatMap((event) => event.workflowExecutionSignaledEventAttributes?.signalName ?? []);
}
/** The subject the List-Unsubscribe mailto asks the mail program to use. */
const mailtoSubject = (mail: ParsedMail) =>
  decodeURIComponent(new URL(listUnsubscribeOf(mail).mailto!).searchParams.get('subject')!);

describe('marketing email out', () => {
  it('carries List-Id, Feedback-ID and a signed VERP Return-Path naming its message', async () => {
    const sent = await sendMarketingEmail('headers');
    expect(sent.mail.headers.get('feedback-id')).toBe('reminder:b2c-cart:shop-inbound:cartflow');
    const listId = sent.mail.headerLines.find((line) => line.key === 'list-id')?.line;
    expect(listId?.toLowerCase()).toBe(`list-id: <b2c-cart.shop-inbound.${DOMAIN}>`);
    expect(sent.returnPath).toMatch(new RegExp(`^bounce\\+[0-9a-f]{32}-[0-9a-f]{20}@${DOMAIN.replace(/\./g, '\\.')}$`));
    expect(sent.returnPath.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(
      messageIdOfReturnPath({ secrets: TRACKING_SECRET, bounceAddress: `bounce@${DOMAIN}`, address: sent.returnPath }),
    ).toBe(sent.rowId);
    // The mailto keeps RFC 2369's form, with the signed token in the subject.
    expect(listUnsubscribeOf(sent.mail).mailto).toMatch(
      /^mailto:unsubscribe@mail\.example\.com\?subject=unsubscribe%20/,
    );
  });
});

describe('bounces by email (DSN, RFC 3464)', () => {
  it('a 5.1.1 user unknown is a hard bounce: suppressed, stored with its message, chain stopped; a redelivery is a no-op', async () => {
    const sent = await sendMarketingEmail('hard');
    const id = `<${randomUUID()}@mx.example.net>`;
    const report = dsn({
      to: sent.returnPath,
      recipient: sent.email,
      status: '5.1.1',
      diagnostic: `550 5.1.1 <${sent.email}>: Recipient address rejected: User unknown`,
      id,
    });
    const accepted = await deliverInbound({ to: sent.returnPath, raw: report });
    expect(accepted.response).toMatch(/^250/);

    expect(await suppressionOf(sent.email)).toEqual({ reason: 'hard_bounce', source: 'dsn' });
    expect(await eventsOf(sent.email)).toEqual([
      {
        type: 'hard_bounce',
        source: 'dsn',
        provider_event_id: id,
        message_id: sent.rowId,
        detail: 'Status 5.1.1: smtp; 550 5.1.1 <address>: Recipient address rejected: User unknown',
      },
    ]);
    const [message] = await database.sql`select bounced_at from messages where id = ${sent.rowId}`;
    expect(message!.bounced_at).toBeInstanceOf(Date);
    expect(await stopSignalsOf(sent.cartId)).toContain('stopChain');

    await deliverInbound({ to: sent.returnPath, raw: report });
    expect(await eventsOf(sent.email)).toHaveLength(1);
  });

  it('a 4.2.2 mailbox full is a soft bounce: stored, suppressed only at SOFT_BOUNCE_LIMIT (3)', async () => {
    const sent = await sendMarketingEmail('soft');
    const full = () =>
      dsn({
        to: sent.returnPath,
        recipient: sent.email,
        status: '4.2.2',
        diagnostic: '452 4.2.2 Mailbox full',
      });
    await deliverInbound({ to: sent.returnPath, raw: full() });
    expect(await eventsOf(sent.email)).toEqual([
      expect.objectContaining({ type: 'soft_bounce', source: 'dsn', message_id: sent.rowId }),
    ]);
    expect(await suppressionOf(sent.email)).toBeUndefined();
    expect(await stopSignalsOf(sent.cartId)).not.toContain('stopChain');

    await deliverInbound({ to: sent.returnPath, raw: full() });
    await deliverInbound({ to: sent.returnPath, raw: full() });
    expect(await eventsOf(sent.email)).toHaveLength(3);
    expect(await suppressionOf(sent.email)).toEqual({ reason: 'soft_bounce', source: 'dsn' });
  });

  it('an out-of-office reply to the Return-Path or to the mailto changes nothing', async () => {
    const sent = await sendMarketingEmail('away');
    const reply = (to: string, headers: string) =>
      plainMail({
        from: sent.email,
        to,
        subject: `Automatic reply: ${mailtoSubject(sent.mail)}`,
        headers,
        body: 'I am out of the office until Monday. Status: 5.1.1 in a text part is no DSN.',
      });
    await deliverInbound({ to: sent.returnPath, raw: reply(sent.returnPath, 'Auto-Submitted: auto-replied\n') });
    await deliverInbound({ to: sent.returnPath, raw: reply(sent.returnPath, 'X-Autoreply: yes\n') });
    await deliverInbound({ to: sent.returnPath, raw: reply(sent.returnPath, '') });
    const unsubscribe = unsubscribeAddress(config);
    await deliverInbound({ to: unsubscribe, raw: reply(unsubscribe, 'Precedence: auto_reply\n') });

    expect(await eventsOf(sent.email)).toHaveLength(0);
    expect(await suppressionOf(sent.email)).toBeUndefined();
    expect(await unsubscribesOf(sent.rowId)).toHaveLength(0);
    expect(await stopSignalsOf(sent.cartId)).not.toContain('stopChain');
  });
});

describe('unsubscribe by email (the List-Unsubscribe mailto)', () => {
  it("unsubscribes the token's address, not the sender's, counts it and stops the chain", async () => {
    const sent = await sendMarketingEmail('mailto');
    const mailto = new URL(listUnsubscribeOf(sent.mail).mailto!);
    // Forwarded to another mailbox first: the From is not the recipient, the token still decides.
    const accepted = await deliverInbound({
      from: 'someone-else@example.org',
      to: mailto.pathname,
      raw: plainMail({
        from: 'Someone Else <someone-else@example.org>',
        to: mailto.pathname,
        subject: mailtoSubject(sent.mail),
      }),
    });
    expect(accepted.response).toMatch(/^250/);

    expect(await suppressionOf(sent.email)).toEqual({ reason: 'unsubscribed', source: 'mailto' });
    expect(await suppressionOf('someone-else@example.org')).toBeUndefined();
    expect(await unsubscribesOf(sent.rowId)).toEqual([{ scope: 'all' }]);
    const [message] = await database.sql`select unsubscribed_at from messages where id = ${sent.rowId}`;
    expect(message!.unsubscribed_at).toBeInstanceOf(Date);
    expect(await stopSignalsOf(sent.cartId)).toContain('stopChain');
  });

  it('a first-form token (eyJ…) from an email sent before base32 tokens still unsubscribes', async () => {
    const sent = await sendMarketingEmail('first-form');
    expect(mailtoSubject(sent.mail)).toMatch(/^unsubscribe [A-Z2-7]{60}$/);
    const to = unsubscribeAddress(config);
    const token = firstFormToken(TRACKING_SECRET, {
      purpose: 'unsubscribe',
      messageId: sent.rowId,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const accepted = await deliverInbound({
      from: sent.email,
      to,
      raw: plainMail({ from: sent.email, to, subject: `Re: unsubscribe ${token}` }),
    });
    expect(accepted.response).toMatch(/^250/);
    expect(await suppressionOf(sent.email)).toEqual({ reason: 'unsubscribed', source: 'mailto' });
  });

  it('a forged token is refused with 550 and changes nothing; an authentic expired one still unsubscribes', async () => {
    const sent = await sendMarketingEmail('forged');
    const to = unsubscribeAddress(config);
    const forgedToken = signToken('another-secret-0123456789abcdef0123456789', {
      purpose: 'unsubscribe',
      messageId: sent.rowId,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const forged = deliverInbound({
      from: sent.email,
      to,
      raw: plainMail({ from: sent.email, to, subject: `unsubscribe ${forgedToken}` }),
    });
    await expect(forged).rejects.toMatchObject({ responseCode: 550, response: expect.stringContaining('5.7.1') });
    const noToken = deliverInbound({
      from: sent.email,
      to,
      raw: plainMail({ from: sent.email, to, subject: 'unsubscribe' }),
    });
    await expect(noToken).rejects.toMatchObject({ responseCode: 550 });
    expect(await suppressionOf(sent.email)).toBeUndefined();
    expect(await unsubscribesOf(sent.rowId)).toHaveLength(0);
    expect(await stopSignalsOf(sent.cartId)).not.toContain('stopChain');

    const expired = signToken(TRACKING_SECRET, {
      purpose: 'unsubscribe',
      messageId: sent.rowId,
      expiresAt: new Date(Date.now() - 86_400_000),
    });
    await deliverInbound({
      from: sent.email,
      to,
      raw: plainMail({ from: sent.email, to, subject: `unsubscribe ${expired}` }),
    });
    expect(await suppressionOf(sent.email)).toEqual({ reason: 'unsubscribed', source: 'mailto' });
  });
});

describe('unsubscribe by email after the shop erased the person', () => {
  // The link's page (unsubscribe-page.test.ts) says there is nothing to unsubscribe from: so does this.
  it('is accepted with the words the link page uses, not refused with "use the link"', async () => {
    const sent = await sendMarketingEmail('erased');
    await erasePerson({ db: database.db }, { shopId, email: sent.email });
    const mailto = new URL(listUnsubscribeOf(sent.mail).mailto!);

    const accepted = await deliverInbound({
      from: sent.email,
      to: mailto.pathname,
      raw: plainMail({ from: sent.email, to: mailto.pathname, subject: mailtoSubject(sent.mail) }),
    });
    expect(accepted.response).toMatch(/^250 .*nothing to unsubscribe from.*erased/);
    // And nothing about the erased person is written down again.
    expect(await suppressionOf(sent.email)).toBeUndefined();
    expect(await unsubscribesOf(sent.rowId)).toHaveLength(0);
  });
});

describe('what the listener refuses', () => {
  it('any other recipient, and a Return-Path with a forged tag, at RCPT with 550', async () => {
    const sent = await sendMarketingEmail('rcpt');
    const forgedTag = sent.returnPath.replace(/-([0-9a-f])/, (_, digit: string) => `-${digit === '0' ? '1' : '0'}`);
    for (const to of [
      `postmaster@${DOMAIN}`,
      `random-${randomUUID().slice(0, 6)}@${DOMAIN}`,
      `bounce@${DOMAIN}`,
      forgedTag,
    ]) {
      const attempt = deliverInbound({
        to,
        raw: dsn({ to, recipient: sent.email, status: '5.1.1', diagnostic: '550 5.1.1 unknown' }),
      });
      await expect(attempt).rejects.toMatchObject({
        code: 'EENVELOPE',
        rejectedErrors: [expect.objectContaining({ responseCode: 550 })],
      });
    }
    expect(await eventsOf(sent.email)).toHaveLength(0);
    expect(await suppressionOf(sent.email)).toBeUndefined();
  });

  it('a message over INBOUND_SMTP_MAX_BYTES with 552', async () => {
    const sent = await sendMarketingEmail('large');
    const raw = dsn({
      to: sent.returnPath,
      recipient: sent.email,
      status: '5.1.1',
      diagnostic: '550 5.1.1 unknown',
    }).replace('This is the mail system', `${'x'.repeat(76)}\r\n`.repeat(1_000) + 'This is the mail system');
    await expect(deliverInbound({ to: sent.returnPath, raw })).rejects.toMatchObject({ responseCode: 552 });
    expect(await eventsOf(sent.email)).toHaveLength(0);
  });
});
