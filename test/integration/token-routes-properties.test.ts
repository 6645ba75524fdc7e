import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_SOFT_BOUNCE_RULE } from '../../app/bounces';
import { emailKey } from '../../domain/email-address';
import { handleInboundMail } from '../../inbound/inbound-mail';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { escapeHtml, maskEmail } from '../../server/unsubscribe-page';
import { TEXTS } from '../../server/unsubscribe-texts';
import { type TokenClaims, type TokenPurpose } from '../../tracking/tokens';
import { TEST_SECRET } from '../helpers/cart-events';
import { type TestDatabase, createTestDatabase } from '../helpers/database';
import { tokenForms } from '../helpers/token-forms';

// The public token routes (pixel, tracked link, unsubscribe page and one-click POST) on a real
// Postgres, requested in process with app.request(): whatever token arrives, the answer is never a
// 5xx, a refused token stores nothing, and the page says in words what is wrong with the link.
const TRACKING_SECRET = 'token-routes-secret-0123456789abcdef';
const DAY = 86_400_000;
const shopId = 'shop-token-props';
const RECIPIENTS = [
  "o'brien+tag@example.com",
  'иван.петров@пример.рф',
  'amp&co@xn--80ak6aa92e.com',
  'שלום@example.co.il',
  '<script>@example.com',
];
const LINKS = ['https://shop.example/cart?x=1&y=2', 'https://shop.example/корзина', "https://shop.example/o'clock"];

let database: TestDatabase;
let connection: Connection;
let app: ReturnType<typeof createApp>;
let messageIds: string[];

beforeAll(async () => {
  database = await createTestDatabase();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  app = createApp({
    db: database.db,
    workflows: createCartWorkflows({
      client: new Client({ connection }),
      taskQueue: 'token-props-no-worker',
      abandonAfterMs: 3_600_000,
      campaigns: [],
    }),
    config: {
      shopId,
      webhookSecret: TEST_SECRET,
      webhookMaxBytes: 64 * 1024,
      webhookToleranceMs: 300_000,
      trackingSecret: TRACKING_SECRET,
      // Hundreds of requests from one client: the limits have their own tests (http-hardening).
      rateLimits: { webhooks: 'off', tracking: 'off', unsubscribe: 'off' },
    },
    logger: pino({ level: 'silent' }),
  });
  messageIds = [];
  for (const [index, recipient] of RECIPIENTS.entries()) {
    const [row] = await database.sql<{ id: string }[]>`
      insert into messages (key, shop_id, cart_id, recipient, step, template_id, template_version, locale,
                            links, status, message_id_header, sent_at)
      values (${`token-props:${index}`}, ${shopId}, ${`cart-${index}`}, ${recipient}, 'reminder', 'cart-reminder',
              'v1', ${index % 2 ? 'ru' : 'en'}, ${database.sql.json(LINKS)}, 'sent', ${`<${randomUUID()}@test>`}, now())
      returning id`;
    messageIds.push(row!.id);
  }
});
afterAll(async () => {
  await connection?.close();
  await database?.drop();
});

/** What a refused token must leave untouched: every table a token route writes to. */
async function storedRows() {
  const [row] = await database.sql`
    select (select count(*) from tracking_events)::int as tracking,
           (select count(*) from suppressions)::int as suppressions,
           (select count(*) from category_opt_outs)::int as opt_outs,
           (select count(*) from unsubscribe_events)::int as unsubscribes,
           (select coalesce(sum(human_opens + machine_opens + human_clicks + machine_clicks), 0)::int
              from messages) as counters`;
  return row;
}

const forms = tokenForms();
const claimsOf = (purpose: TokenPurpose, messageId: string, expiresAt: Date): TokenClaims => ({
  purpose,
  messageId,
  expiresAt,
  ...(purpose === 'click' ? { linkIndex: 0 } : {}),
});
const seeded = () => fc.constantFrom(...messageIds.keys());
const purposes = fc.constantFrom<TokenPurpose>('open', 'click', 'unsubscribe');

/** A path segment as a link, a scanner or an attacker would send it (raw, percent-encoded or broken). */
const junkSegments = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }).map(encodeURIComponent),
  fc.integer({ min: 1, max: 200_000 }).map((length) => 'A'.repeat(length)),
  fc.constantFrom('%E0%A4%A', '%C0%AF', '%FF%FE', '%', '%%', '%D0', 'e30.AAAAAAAAAAAAAAAAAAAAAA'),
);

/** A token of a seeded row, then broken: one character changed, cut short, or signed with another secret. */
function brokenTokens(encode: (token: string) => string = encodeURIComponent) {
  return fc
    .record({
      form: forms,
      row: seeded(),
      purpose: purposes,
      at: fc.nat(),
      by: fc.constantFrom(...'AZ27az-_.'),
      how: fc.nat(2),
    })
    .map(({ form, row, purpose, at, by, how }) => {
      const claims = claimsOf(purpose, messageIds[row]!, new Date(Date.now() + 30 * DAY));
      if (how === 2) return form('another-shops-secret-0123456789abcdef', claims);
      const token = form(TRACKING_SECRET, claims);
      const i = at % token.length;
      if (how === 1) return token.slice(0, 1 + (at % (token.length - 1)));
      return token[i] === by
        ? token.slice(0, i) + (by === 'A' ? 'B' : 'A') + token.slice(i + 1)
        : token.slice(0, i) + by + token.slice(i + 1);
    })
    .map(encode);
}

async function request(path: string, init?: RequestInit) {
  const response = await app.request(`http://localhost${path}`, init);
  return { status: response.status, body: await response.text(), location: response.headers.get('location') };
}

const oneClick = {
  method: 'POST',
  body: 'List-Unsubscribe=One-Click',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
};
const unsubscribeAll = {
  method: 'POST',
  body: 'action=all',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
};

describe('token routes under hostile tokens', () => {
  it('answer a refused token with a 4xx that names the problem and store nothing', async () => {
    const before = await storedRows();
    await fc.assert(
      fc.asyncProperty(fc.oneof(junkSegments, brokenTokens()), async (segment) => {
        const pixel = await request(`/t/o/${segment}.gif`);
        expect(pixel.status).toBe(404);
        expect(pixel.body).toContain('unknown or invalid tracking token');
        const link = await request(`/t/c/${segment}`);
        expect(link.status).toBe(404);
        expect(link.location).toBeNull();
        expect(link.body).toContain('This link is not valid');
        for (const init of [undefined, unsubscribeAll]) {
          const page = await request(`/u/${segment}`, init);
          expect(page.status).toBe(404);
          expect(page.body).toContain(TEXTS.en.notFoundTitle);
        }
        const click = await request(`/u/${segment}`, oneClick);
        expect(click.status).toBe(404);
        expect(click.body).toBe(TEXTS.en.notFound);
        expect(await storedRows()).toEqual(before);
      }),
      { numRuns: 60 },
    );
  });

  it('refuse a genuine token on a route of another purpose, storing nothing', async () => {
    const before = await storedRows();
    await fc.assert(
      fc.asyncProperty(forms, seeded(), purposes, async (form, row, purpose) => {
        const token = form(TRACKING_SECRET, claimsOf(purpose, messageIds[row]!, new Date(Date.now() + 30 * DAY)));
        if (purpose !== 'open') expect((await request(`/t/o/${token}.gif`)).status).toBe(404);
        if (purpose !== 'click') expect((await request(`/t/c/${token}`)).status).toBe(404);
        if (purpose !== 'unsubscribe') expect((await request(`/u/${token}`, oneClick)).status).toBe(404);
        expect(await storedRows()).toEqual(before);
      }),
      { numRuns: 30 },
    );
  });

  it('say an expired link has expired, in the email language, and record no open, click or choice', async () => {
    const before = await storedRows();
    await fc.assert(
      fc.asyncProperty(forms, seeded(), fc.integer({ min: 1, max: 3650 }), async (form, row, daysAgo) => {
        const expiredAt = new Date(Date.now() - daysAgo * DAY);
        const token = (purpose: TokenPurpose) => form(TRACKING_SECRET, claimsOf(purpose, messageIds[row]!, expiredAt));
        // The email is still displayed: the pixel is served, nothing is counted.
        expect((await request(`/t/o/${token('open')}.gif`)).status).toBe(200);
        const link = await request(`/t/c/${token('click')}`);
        expect(link.status).toBe(410);
        const russian = row % 2 === 1;
        expect(link.body).toContain(russian ? 'Срок действия этой ссылки из старого письма истёк' : 'has expired');
        const texts = TEXTS[russian ? 'ru' : 'en'];
        for (const init of [undefined, unsubscribeAll]) {
          const page = await request(`/u/${token('unsubscribe')}`, init);
          expect(page.status).toBe(410);
          expect(page.body).toContain(texts.expiredTitle);
        }
        expect(await storedRows()).toEqual(before);
      }),
      { numRuns: 20 },
    );
  });

  it('follow a genuine link to the stored URL and show the page for any recipient address', async () => {
    await fc.assert(
      fc.asyncProperty(forms, seeded(), fc.nat(LINKS.length - 1), async (form, row, linkIndex) => {
        const messageId = messageIds[row]!;
        const expiresAt = new Date(Date.now() + 30 * DAY);
        const click = await request(
          `/t/c/${form(TRACKING_SECRET, { purpose: 'click', messageId, linkIndex, expiresAt })}`,
        );
        expect(click.status).toBe(302);
        // Location is ASCII: a non-ASCII path arrives percent-encoded, as a browser would send it.
        expect(click.location).toBe(new URL(LINKS[linkIndex]!).href);
        const page = await request(`/u/${form(TRACKING_SECRET, claimsOf('unsubscribe', messageId, expiresAt))}`);
        expect(page.status).toBe(200);
        expect(page.body).toContain(escapeHtml(maskEmail(RECIPIENTS[row]!)));
      }),
      { numRuns: 20 },
    );
  });
});

/** A mail to the List-Unsubscribe mailto as a mail program sends it; the body may hold bytes that are not UTF-8. */
async function mailtoMessage({ subject, body }: { subject: string; body: Buffer }) {
  const raw = Buffer.concat([
    Buffer.from(
      'From: someone@example.com\r\nTo: unsubscribe@shop.example\r\n' +
        `Subject: =?UTF-8?B?${Buffer.from(subject).toString('base64')}?=\r\n` +
        'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
    ),
    body,
  ]);
  const mail = await simpleParser(raw, { keepDeliveryStatus: true, skipHtmlToText: true, skipTextLinks: true });
  return { mail, raw };
}

describe('the unsubscribe mailto under hostile tokens', () => {
  const deps = () => ({
    db: database.db,
    secret: TRACKING_SECRET,
    softBounces: DEFAULT_SOFT_BOUNCE_RULE,
    logger: pino({ level: 'silent' }),
    now: () => new Date(),
  });
  // A function: the seeded rows exist only once beforeAll has run.
  const texts = () =>
    fc.oneof(
      brokenTokens((token) => token),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'), minLength: 58, maxLength: 66 }),
    );

  it('refuses a mail without a genuine token and stores nothing, whatever its subject and body', async () => {
    const before = await storedRows();
    await fc.assert(
      fc.asyncProperty(texts(), texts(), fc.uint8Array({ maxLength: 200 }), async (subject, text, bytes) => {
        const { mail, raw } = await mailtoMessage({
          subject,
          body: Buffer.concat([Buffer.from(text), Buffer.from(bytes)]),
        });
        const outcome = await handleInboundMail(deps(), { kind: 'unsubscribe' }, mail, raw);
        expect(outcome).toEqual({ status: 'refused', reason: 'no_valid_token' });
        expect(await storedRows()).toEqual(before);
      }),
      { numRuns: 60 },
    );
  });

  it('unsubscribes the row a genuine token names, whatever junk surrounds it', async () => {
    await fc.assert(
      fc.asyncProperty(forms, seeded(), fc.string({ maxLength: 100 }), async (form, row, junk) => {
        const token = form(TRACKING_SECRET, claimsOf('unsubscribe', messageIds[row]!, new Date(Date.now() + DAY)));
        const { mail, raw } = await mailtoMessage({ subject: `unsubscribe ${token}`, body: Buffer.from(junk) });
        const outcome = await handleInboundMail(deps(), { kind: 'unsubscribe' }, mail, raw);
        expect(outcome).toEqual({ status: 'unsubscribed', messageId: messageIds[row] });
        const [suppressed] = await database.sql`
          select reason from suppressions where shop_id = ${shopId} and email = ${emailKey(RECIPIENTS[row]!)}`;
        expect(suppressed?.reason).toBe('unsubscribed');
      }),
      { numRuns: 10 },
    );
  });
});
