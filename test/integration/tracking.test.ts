import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type DeliveryDeps, deliverEmail } from '../../activities/deliver-email';
import { erasePerson } from '../../app/privacy';
import { Cart } from '../../domain/events';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { messageRowIdFor } from '../../tracking/message-links';
import { signToken } from '../../tracking/tokens';
import { cartUpdatedEvent, TEST_SECRET } from '../helpers/cart-events';
import { firstFormToken } from '../helpers/first-form-token';
import { type DeliveryStack, startDeliveryStack } from '../helpers/delivery-stack';
import { type TestHttpServer, startHttpServer } from '../helpers/http-server';
import { activityEnvironment } from '../helpers/test-logger';
import { reminderSend } from '../helpers/reminder-send';

// Real Postgres, a real SMTP server and the real HTTP server on a socket: an email goes out,
// its pixel and links are fetched the way a mail client and a browser would.
const TRACKING_SECRET = 'tracking-secret-for-the-tests-0123456789abcdef';
const shopId = 'shop-tracking';
const DAY = 86_400_000;
const IPHONE_MAIL =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

let delivery: DeliveryStack;
let database: DeliveryStack['database'];
let smtp: DeliveryStack['smtp'];
let connection: Connection;
let direct: TestHttpServer;
let proxied: TestHttpServer;

function startServer(trustProxy: boolean) {
  const app = createApp({
    db: database.db,
    workflows: createCartWorkflows({
      client: new Client({ connection }),
      taskQueue: 'tracking-test-no-worker',
      abandonAfterMs: 3_600_000,
      campaigns: [],
    }),
    config: {
      shopId,
      webhookSecret: TEST_SECRET,
      webhookMaxBytes: 64 * 1024,
      webhookToleranceMs: 300_000,
      trackingSecret: TRACKING_SECRET,
      trustProxy,
    },
    logger: pino({ level: 'silent' }),
  });
  return startHttpServer(app);
}

beforeAll(async () => {
  delivery = await startDeliveryStack();
  ({ database, smtp } = delivery);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  direct = await startServer(false);
  proxied = await startServer(true);
});
afterAll(async () => {
  await direct?.close();
  await proxied?.close();
  await connection?.close();
  await delivery?.close();
});

interface SentEmail {
  messageId: string;
  pixel: string;
  trackedLinks: string[];
  /** messages.links: the original URLs, in link-index order. */
  originals: string[];
}

/** Sends a cart reminder through the real delivery activity and reads its links out of the received HTML. */
async function sendEmail(): Promise<SentEmail> {
  const key = `tracking-test:${randomUUID()}`;
  const cart = Cart.parse(
    cartUpdatedEvent({
      items: [
        { sku: 'TEE', name: 'T-shirt', quantity: 1, unitPrice: '19.90', url: 'https://shop.example.com/p/tee' },
        { sku: 'MUG', name: 'Mug', quantity: 1, unitPrice: '12.50', url: 'https://shop.example.com/p/mug' },
      ],
    }).data,
  );
  const deps: DeliveryDeps = {
    ...delivery.deps,
    links: {
      secret: TRACKING_SECRET,
      baseUrl: direct.url,
      trackOpens: true,
      trackClicks: true,
      linkTtlMs: 30 * DAY,
      unsubscribeTtlMs: 60 * DAY,
      unsubscribeMailto: 'unsubscribe@mail.example.com',
    },
  };
  const input = reminderSend({
    shopId,
    cart,
    key,
    to: 'ada@example.com',
    campaign: { id: 'consumer', version: 3, segment: 'new_customer' },
  });
  const before = smtp.messages.length;
  const result = await activityEnvironment().run(deliverEmail, deps, input);
  expect(result).toBe('sent');
  const html = String((await smtp.waitFor(before + 1))[before]!.html);
  const urls = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((match) => match[1]!.replaceAll('&amp;', '&'));
  const messageId = messageRowIdFor(key);
  const [row] = await database.sql`select links from messages where id = ${messageId}`;
  return {
    messageId,
    pixel: urls.find((url) => url.startsWith(`${direct.url}/t/o/`))!,
    trackedLinks: [...new Set(urls.filter((url) => url.startsWith(`${direct.url}/t/c/`)))],
    originals: row!.links as string[],
  };
}

/** As if the reader opened the email a while after it arrived (the first seconds are a machine's). */
const readLater = (messageId: string) =>
  database.sql`update messages set sent_at = sent_at - interval '1 hour' where id = ${messageId}`;
const events = (messageId: string) =>
  database.sql`select type, link_index, user_agent, ip_prefix, machine, machine_reason, row_to_json(e)::text as raw
    from tracking_events e where message_id = ${messageId} order by id`;
const fetchAs = (url: string, userAgent: string, init: RequestInit = {}) =>
  fetch(url, { redirect: 'manual', ...init, headers: { 'user-agent': userAgent, ...init.headers } });
const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
/** The original URL behind a tracked link, by the index its token carries. */
const indexOf = (email: SentEmail, trackedLink: string) => email.trackedLinks.indexOf(trackedLink);

describe('open pixel and tracked links (real HTTP server, Postgres, SMTP)', () => {
  it('the pixel is a 1×1 GIF that is never cached, and the open is stored with the network, not the address', async () => {
    const email = await sendEmail();
    expect(email.pixel).toMatch(/\/t\/o\/[A-Z2-7]{60}\.gif$/);
    await readLater(email.messageId);

    const response = await fetchAs(email.pixel, IPHONE_MAIL);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/gif');
    expect(response.headers.get('cache-control')).toBe('no-store, private');
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect([body.readUInt16LE(6), body.readUInt16LE(8)]).toEqual([1, 1]);

    const [open, ...more] = await events(email.messageId);
    expect(more).toEqual([]);
    expect(open).toMatchObject({
      type: 'open',
      link_index: null,
      user_agent: IPHONE_MAIL,
      ip_prefix: '127.0.0.0/24',
      machine: false,
      machine_reason: null,
    });
    expect(open!.raw).not.toContain('127.0.0.1');
  });

  it('a tracked link redirects to its original URL, and the click is stored', async () => {
    const email = await sendEmail();
    expect(email.originals).toContain('https://shop.example.com/cart/recover?token=t0k3n');
    expect(email.trackedLinks).toHaveLength(email.originals.length);
    await readLater(email.messageId);

    const link = email.trackedLinks.at(-1)!;
    const response = await fetchAs(link, CHROME);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(email.originals[indexOf(email, link)]);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');

    expect(await events(email.messageId)).toEqual([
      expect.objectContaining({
        type: 'click',
        link_index: indexOf(email, link),
        user_agent: CHROME,
        ip_prefix: '127.0.0.0/24',
        machine: false,
      }),
    ]);
  });

  it('links and pixels of emails sent with first-form tokens (eyJ…) still work; new emails carry base32 tokens', async () => {
    const email = await sendEmail();
    expect(email.trackedLinks.map(tokenOf)).toEqual(
      email.trackedLinks.map(() => expect.stringMatching(/^[A-Z2-7]{63}$/)),
    );
    expect(tokenOf(email.pixel)).toMatch(/^[A-Z2-7]{60}\.gif$/);
    await readLater(email.messageId);
    const claims = { messageId: email.messageId, expiresAt: new Date(Date.now() + DAY) };
    const oldLink = firstFormToken(TRACKING_SECRET, { ...claims, purpose: 'click', linkIndex: 1 });
    const oldPixel = firstFormToken(TRACKING_SECRET, { ...claims, purpose: 'open' });
    expect(oldLink).toMatch(/^eyJ/);

    const response = await fetchAs(`${direct.url}/t/c/${oldLink}`, CHROME);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(email.originals[1]);
    expect((await fetchAs(`${direct.url}/t/o/${oldPixel}.gif`, IPHONE_MAIL)).headers.get('content-type')).toBe(
      'image/gif',
    );
    expect(await events(email.messageId)).toEqual([
      expect.objectContaining({ type: 'click', link_index: 1, machine: false }),
      expect.objectContaining({ type: 'open', machine: false }),
    ]);
  });

  it('every tracked link leads to its own original URL', async () => {
    const email = await sendEmail();
    const targets = [];
    for (const link of email.trackedLinks) targets.push((await fetchAs(link, CHROME)).headers.get('location'));
    expect(targets).toEqual(email.originals);
  });

  it('a user agent longer than 512 characters is stored cut to 512', async () => {
    const email = await sendEmail();
    await readLater(email.messageId);
    await fetchAs(email.pixel, `${IPHONE_MAIL} ${'x'.repeat(1000)}`);
    const [open] = await events(email.messageId);
    expect((open!.user_agent as string).length).toBe(512);
  });

  it('an open right after the send, a curl click and a HEAD request are stored as machine', async () => {
    const email = await sendEmail();
    expect((await fetchAs(email.pixel, IPHONE_MAIL)).status).toBe(200);
    await readLater(email.messageId);
    expect((await fetchAs(email.trackedLinks[0]!, 'curl/8.5.0')).status).toBe(302);
    expect((await fetchAs(email.trackedLinks[0]!, CHROME, { method: 'HEAD' })).status).toBe(302);
    expect(
      (await events(email.messageId)).map(({ type, machine, machine_reason }) => [type, machine, machine_reason]),
    ).toEqual([
      ['open', true, 'too_soon_after_send'],
      ['click', true, 'bot_user_agent'],
      ['click', true, 'head_request'],
    ]);
  });

  it('a scanner clicking every link at once: every click of the burst is machine, the first ones too', async () => {
    const email = await sendEmail();
    expect(email.trackedLinks.length).toBeGreaterThanOrEqual(3);
    await readLater(email.messageId);
    // Twice every link, all at once, as gateways do: the clicks of one message are stored one at a time.
    const links = [...email.trackedLinks, ...email.trackedLinks];
    const responses = await Promise.all(links.map((link) => fetchAs(link, CHROME)));
    expect(responses.map((response) => response.status)).toEqual(links.map(() => 302));
    const clicks = await events(email.messageId);
    expect(clicks).toHaveLength(links.length);
    expect(clicks.map(({ machine, machine_reason }) => [machine, machine_reason])).toEqual(
      links.map(() => [true, 'link_scanner_burst']),
    );
  });

  it('X-Forwarded-For counts only with TRUST_PROXY, and only as a /24 or /48', async () => {
    const email = await sendEmail();
    await readLater(email.messageId);
    const pixelPath = new URL(email.pixel).pathname;
    const forwarded = { 'x-forwarded-for': '203.0.113.77, 10.0.0.1' };
    await fetchAs(`${direct.url}${pixelPath}`, IPHONE_MAIL, { headers: forwarded });
    await fetchAs(`${proxied.url}${pixelPath}`, IPHONE_MAIL, { headers: forwarded });
    await fetchAs(`${proxied.url}${pixelPath}`, IPHONE_MAIL, {
      headers: { 'x-forwarded-for': '2001:db8:1234:5678::1' },
    });
    const stored = await events(email.messageId);
    expect(stored.map((event) => event.ip_prefix)).toEqual(['127.0.0.0/24', '203.0.113.0/24', '2001:db8:1234::/48']);
    for (const event of stored) expect(event.raw).not.toMatch(/203\.0\.113\.77|5678::1|10\.0\.0\.1/);
  });

  it('the analyst view counts human and machine opens and clicks per sent message', async () => {
    const email = await sendEmail();
    await fetchAs(email.pixel, IPHONE_MAIL); // right after the send: machine
    await readLater(email.messageId);
    await fetchAs(email.pixel, IPHONE_MAIL);
    await fetchAs(email.pixel, 'Mozilla/5.0'); // Apple Mail Privacy Protection
    await fetchAs(email.trackedLinks[0]!, CHROME);
    await fetchAs(email.trackedLinks[0]!, 'Barracuda Sentinel (EE)');
    const [row] = await database.sql`select * from message_engagement where message_id = ${email.messageId}`;
    expect(row).toMatchObject({
      shop_id: shopId,
      campaign_id: 'consumer',
      campaign_version: 3,
      segment: 'new_customer',
      template_id: 'cart-reminder',
      locale: 'en',
      human_opens: 1,
      machine_opens: 2,
      human_clicks: 1,
      machine_clicks: 1,
    });
    expect(row!.first_human_open_at).toBeInstanceOf(Date);
    expect(row!.first_human_click_at).toBeInstanceOf(Date);
    const [message] = await database.sql`select subject_variant from messages where id = ${email.messageId}`;
    expect(row!.subject_variant).toBe(message!.subject_variant);
  });
});

const expectNoRedirect = (response: Response, status: number) => {
  expect(response.status).toBe(status);
  expect(response.headers.get('location')).toBeNull();
};

describe('bad tokens get a clear answer and never a redirect', () => {
  let email: SentEmail;
  beforeAll(async () => {
    email = await sendEmail();
  });
  const click = (token: string) => fetchAs(`${direct.url}/t/c/${token}`, CHROME);
  const open = (token: string) => fetchAs(`${direct.url}/t/o/${token}.gif`, IPHONE_MAIL);
  const sign = (claims: Partial<Parameters<typeof signToken>[1]>) =>
    signToken(TRACKING_SECRET, {
      purpose: 'click',
      messageId: email.messageId,
      linkIndex: 0,
      expiresAt: new Date(Date.now() + DAY),
      ...claims,
    });

  it('a tampered token: 404 with a page that says so', async () => {
    const token = tokenOf(email.trackedLinks[0]!);
    const flipped = `${token[0] === 'A' ? 'B' : 'A'}${token.slice(1)}`;
    const response = await click(flipped);
    expectNoRedirect(response, 404);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('This link is not valid');
    expectNoRedirect(await open(`${tokenOf(email.pixel).replace(/\.gif$/, '')}x`), 404);
  });

  it('malformed tokens and percent-garbage: 404, not 500', async () => {
    for (const token of ['abc', 'a.b', '%E0%A4%A', '..', 'x'.repeat(3000)]) {
      expectNoRedirect(await click(token), 404);
      expectNoRedirect(await open(token), 404);
    }
  });

  it('a correctly signed token for a message that does not exist: 404', async () => {
    const messageId = randomUUID();
    expectNoRedirect(await click(sign({ messageId })), 404);
    expectNoRedirect(await open(sign({ purpose: 'open', messageId, linkIndex: undefined })), 404);
  });

  it('an index outside the message links: 404', async () => {
    expectNoRedirect(await click(sign({ linkIndex: email.originals.length })), 404);
    // Only the first token form could leave the index out.
    const noIndex = firstFormToken(TRACKING_SECRET, {
      purpose: 'click',
      messageId: email.messageId,
      expiresAt: new Date(Date.now() + DAY),
    });
    expectNoRedirect(await click(noIndex), 404);
  });

  it('a pixel or unsubscribe token used as a link: 404', async () => {
    expectNoRedirect(await click(tokenOf(email.pixel).replace(/\.gif$/, '')), 404);
    expectNoRedirect(await click(sign({ purpose: 'unsubscribe', linkIndex: undefined })), 404);
  });

  it('an expired link: 410 and no redirect; an expired pixel still shows, but counts nothing', async () => {
    const expiresAt = new Date(Date.now() - 1000);
    const response = await click(sign({ expiresAt }));
    expectNoRedirect(response, 410);
    expect(await response.text()).toContain('expired');
    const pixel = await open(sign({ purpose: 'open', linkIndex: undefined, expiresAt }));
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get('content-type')).toBe('image/gif');
    expect(await events(email.messageId)).toEqual([]);
  });
});

describe('the pages of links that do not lead on', () => {
  const fetchIn = (url: string, acceptLanguage: string) =>
    fetchAs(url, CHROME, { headers: { 'accept-language': acceptLanguage } });

  it('a link that names no email we hold answers in the browser’s language, else English', async () => {
    const unknown = `${direct.url}/t/c/not-a-token`;
    const russian = await fetchIn(unknown, 'ru-RU,ru;q=0.9,en-US;q=0.8');
    expectNoRedirect(russian, 404);
    const page = await russian.text();
    expect(page).toContain('<html lang="ru">');
    expect(page).toContain('Ссылка не найдена');
    expect(await (await fetchIn(unknown, 'uk-UA, ru;q=0.7')).text()).toContain('Ссылка не найдена');
    expect(await (await fetchIn(unknown, 'de-DE,de;q=0.9')).text()).toContain('Link not found');
    expect(await (await fetchAs(unknown, CHROME)).text()).toContain('Link not found');
  });

  it('an expired link of a Russian email says so in Russian, whatever the browser speaks', async () => {
    const email = await sendEmail();
    await database.sql`update messages set locale = 'ru' where id = ${email.messageId}`;
    const expired = signToken(TRACKING_SECRET, {
      purpose: 'click',
      messageId: email.messageId,
      linkIndex: 0,
      expiresAt: new Date(Date.now() - 1000),
    });
    const response = await fetchIn(`${direct.url}/t/c/${expired}`, 'en-US,en;q=0.9');
    expectNoRedirect(response, 410);
    const page = await response.text();
    expect(page).toContain('<html lang="ru">');
    expect(page).toContain('Срок действия ссылки истёк');
  });
});

describe('an email whose recipient the shop erased', () => {
  it('still shows its pixel but records no open; its links say the data was erased, not "not valid"', async () => {
    const email = await sendEmail();
    await readLater(email.messageId);
    await erasePerson({ db: database.db }, { shopId, email: 'ada@example.com' });

    const pixel = await fetchAs(email.pixel, IPHONE_MAIL);
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get('content-type')).toBe('image/gif');
    const link = await fetchAs(email.trackedLinks[0]!, CHROME);
    expect(link.status).toBe(410);
    expect(link.headers.get('location')).toBeNull();
    const page = await link.text();
    expect(page).toContain('Your data was erased');
    expect(page).not.toContain('exactly as it appears');
    // Who opened it, when and from where is no longer collected.
    expect(await events(email.messageId)).toEqual([]);
  });
});

describe('a database that refuses the event', () => {
  it('still sends the reader to the shop and still shows the pixel', async () => {
    const email = await sendEmail();
    await database.sql.unsafe(`
      create function refuse_tracking() returns trigger language plpgsql as $$
        begin raise exception 'tracking_events is read-only in this test'; end $$;
      create trigger refuse_tracking before insert on tracking_events for each row execute function refuse_tracking();`);
    try {
      const response = await fetchAs(email.trackedLinks[0]!, CHROME);
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe(email.originals[0]);
      const pixel = await fetchAs(email.pixel, IPHONE_MAIL);
      expect(pixel.status).toBe(200);
      expect(pixel.headers.get('content-type')).toBe('image/gif');
    } finally {
      await database.sql.unsafe('drop trigger refuse_tracking on tracking_events; drop function refuse_tracking();');
    }
    expect(await events(email.messageId)).toEqual([]);
  });
});
