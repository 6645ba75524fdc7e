import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ActivityDeps, createActivities } from '../../activities';
import { createChainStopper } from '../../app/chain-stopper';
import { erasePerson } from '../../app/privacy';
import { suppress } from '../../db/suppression-store';
import { emailKey } from '../../domain/email-address';
import type { ChainStepResult } from '../../domain/chain';
import { CartUpdatedEvent } from '../../domain/events';
import { cartWorkflowId, journeyWorkflowId } from '../../domain/ids';
import { type AppConfig, createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { TEXTS } from '../../server/unsubscribe-texts';
import { signToken } from '../../tracking/tokens';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { consumerCampaign, welcomeCampaign as welcomeSeries } from '../helpers/campaigns';
import { type DeliveryStack, startDeliveryStack } from '../helpers/delivery-stack';
import { eventually } from '../helpers/eventually';
import { firstFormToken } from '../helpers/first-form-token';
import { createTestRelay } from '../helpers/outbox-relay';
import { activityEnvironment } from '../helpers/test-logger';
import { type TestWorker, startTestWorker } from '../helpers/test-worker';
import { listUnsubscribeOf, oneClickRequest } from '../helpers/unsubscribe-links';

// Real Postgres, SMTP and Temporal (with a worker, for the chains an opt-out must stop); the
// pages are requested in process with app.request().
const TRACKING_SECRET = 'page-test-tracking-secret-0123456789abcdef';
const DAY = 86_400_000;
const shopId = 'shop-prefs';
const fast = { frequency: { minGap: '1s', maxPer7Days: 10, maxDeferral: '1h' }, quietHours: 'none' };
const cartCampaign = consumerCampaign({
  ...fast,
  steps: [
    { id: 'reminder', delay: '0s', template: 'cart-reminder' },
    { id: 'incentive', delay: '1h', template: 'cart-incentive' },
  ],
});
const welcomeCampaign = welcomeSeries({
  ...fast,
  steps: [
    { id: 'welcome', delay: '0s', template: 'welcome' },
    { id: 'getting-started', delay: '3s', template: 'welcome-getting-started' },
  ],
});

let delivery: DeliveryStack;
let database: DeliveryStack['database'];
let smtp: DeliveryStack['smtp'];
let connection: Connection;
let client: Client;
let worker: TestWorker;
let activityDeps: ActivityDeps;
let app: ReturnType<typeof createApp>;

const workerTaskQueue = `prefs-${randomUUID()}`;

beforeAll(async () => {
  delivery = await startDeliveryStack();
  ({ database, smtp } = delivery);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  activityDeps = {
    ...delivery.deps,
    links: {
      secret: TRACKING_SECRET,
      baseUrl: 'https://cartflow.example.com',
      trackOpens: false,
      trackClicks: false,
      linkTtlMs: 365 * DAY,
      unsubscribeTtlMs: 730 * DAY,
      unsubscribeMailto: 'unsubscribe@mail.example.com',
    },
  };
  worker = await startTestWorker({ taskQueue: workerTaskQueue, deps: activityDeps });
  app = appWith({ trackingSecret: TRACKING_SECRET }, workerTaskQueue);
});

afterAll(async () => {
  await worker?.shutdown();
  await connection?.close();
  await delivery?.close();
});

// app.request() has no client network: every request would share one bucket of the unsubscribe
// limit (test/integration/http-hardening.test.ts tests the limits).
const noRateLimits = { rateLimits: { webhooks: 'off', tracking: 'off', unsubscribe: 'off' } } as const;

function appWith(extra: Partial<AppConfig>, taskQueue = 'prefs-no-worker') {
  return appAndRelay(extra, taskQueue).app;
}

/** The app and the relay its webhooks wake, for a test that starts workflows through them. */
function appAndRelay(extra: Partial<AppConfig>, taskQueue = 'prefs-no-worker') {
  const workflows = createCartWorkflows({
    client,
    taskQueue,
    abandonAfterMs: 1_000,
    campaigns: [cartCampaign, welcomeCampaign],
  });
  const relay = createTestRelay({ db: database.db, workflows });
  const app = createApp({
    db: database.db,
    workflows,
    relay,
    config: {
      shopId,
      webhookSecret: TEST_SECRET,
      webhookMaxBytes: 256 * 1024,
      webhookToleranceMs: 300_000,
      ...noRateLimits,
      ...extra,
    },
    chains: createChainStopper({ db: database.db, client }),
    logger: pino({ level: 'silent' }),
  });
  return { app, relay };
}

const newAddress = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;

/** A sent marketing email of a campaign, stored as deliverEmail stores it, and its signed unsubscribe path. */
async function sentEmail(options: {
  email: string;
  locale?: string;
  trigger?: 'cart.abandoned' | 'customer.created';
  expiresAt?: Date;
}): Promise<{ path: string; messageId: string }> {
  const messageId = randomUUID();
  const trigger = options.trigger ?? 'cart.abandoned';
  const campaignId = `campaign-${trigger}`;
  await database.sql`insert into chains (workflow_id, shop_id, trigger, campaign_id, campaign_version, segment)
    values (${`wf-${messageId}`}, ${shopId}, ${trigger}, ${campaignId}, 1, 'consumer')`;
  await database.sql`insert into messages (id, key, shop_id, cart_id, recipient, step, template_id, template_version,
      locale, campaign_id, kind, status, message_id_header)
    values (${messageId}, ${`key-${messageId}`}, ${shopId}, 'cart-1', ${options.email}, 'reminder', 'cart-reminder',
      'v1', ${options.locale ?? 'en'}, ${campaignId}, 'marketing', 'sent', ${`<${messageId}@mail.example.com>`})`;
  const token = signToken(TRACKING_SECRET, {
    purpose: 'unsubscribe',
    messageId,
    expiresAt: options.expiresAt ?? new Date(Date.now() + 730 * DAY),
  });
  return { path: `/u/${token}`, messageId };
}

const post = (path: string, fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const item of [value].flat()) body.append(name, item);
  return app.request(path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
};
const suppressionsOf = (email: string) =>
  database.sql`select reason, source from suppressions where shop_id = ${shopId} and email = ${email}`;
const optOutsOf = async (email: string) =>
  (
    await database.sql`select category from category_opt_outs where shop_id = ${shopId} and email = ${email}
      order by category`
  ).map((row) => row.category as string);

describe('GET /u/:token: the preferences page', () => {
  it('asks in English, ticks the kind of the email it came from, and changes nothing', async () => {
    const email = newAddress('ada');
    const { path } = await sentEmail({ email });
    const response = await app.request(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Unsubscribe from all marketing email');
    expect(html).toContain('a••@example.com');
    expect(html).not.toContain(email); // a forwarded email's link does not reveal the address
    expect(html).toMatch(/value="cart_reminders" checked>/);
    expect(html).toMatch(/value="welcome">/);
    expect(html).not.toContain('Subscribe again'); // nothing to undo yet
    expect(await suppressionsOf(email)).toEqual([]);
    expect(await optOutsOf(email)).toEqual([]);
  });

  it('speaks Russian for an email sent in Russian, English for any other language', async () => {
    const russian = await app.request((await sentEmail({ email: newAddress('ivan'), locale: 'ru' })).path);
    const html = await russian.text();
    expect(html).toContain('<html lang="ru">');
    expect(html).toContain('Отписаться от всех рекламных писем');
    expect(html).toContain('Напоминания о товарах в корзине');
    const german = await app.request((await sentEmail({ email: newAddress('jan'), locale: 'de' })).path);
    expect(await german.text()).toContain('Unsubscribe from all marketing email');
  });

  it('escapes everything it shows', async () => {
    const { path } = await sentEmail({ email: `x@"><script>alert(1)</script>.example` });
    const html = await (await app.request(path)).text();
    expect(html).toContain('x••@&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;.example');
    expect(html).not.toContain('<script>');
  });
});

describe('POST /u/:token: the choices', () => {
  it('all: unsubscribes from every marketing email and answers in the email’s language', async () => {
    const email = newAddress('olga');
    const { path } = await sentEmail({ email, locale: 'ru' });
    const response = await post(path, { action: 'all' });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('Готово: вы больше не получите от нас рекламных писем');
    expect(await suppressionsOf(email)).toEqual([{ reason: 'unsubscribed', source: 'preferences' }]);
    // The page now says so and offers the way back instead.
    const page = await (await app.request(path)).text();
    expect(page).toContain('Вы отписаны от всех рекламных писем');
    expect(page).toContain('value="resubscribe"');
    expect(page).not.toContain('value="all"');
  });

  it('a category opt-out stops only that category’s chains, and the next step of such a campaign is skipped', async () => {
    const email = newAddress('kim');
    const customer = { id: `cust-${randomUUID().slice(0, 8)}`, email, name: 'Kim', marketingConsent: true };
    const welcome = {
      id: `evt-${randomUUID()}`,
      type: 'customer.created',
      data: { customer, welcomeUrl: 'https://shop.example.com/welcome' },
    };
    const cart = cartUpdatedEvent({ customer: { email, name: 'Kim' } });
    const mailsTo = () => smtp.messages.filter((mail) => mail.to && 'text' in mail.to && mail.to.text === email);
    const webhooks = appAndRelay({ trackingSecret: TRACKING_SECRET }, workerTaskQueue);
    expect((await webhooks.app.request('/webhooks/cart', signedRequest(welcome))).status).toBe(202);
    expect((await webhooks.app.request('/webhooks/cart', signedRequest(cart))).status).toBe(202);
    // The webhooks only stored the events: let the relay start both chains, as a server's would.
    await webhooks.relay.deliver();
    await eventually(() => expect(mailsTo()).toHaveLength(2), 20_000);
    const reminder = mailsTo().find((mail) => String(mail.text).includes('Organic cotton T-shirt'));
    const link = listUnsubscribeOf(reminder).https as string;

    const response = await post(new URL(link).pathname, { action: 'category', category: 'cart_reminders' });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('you will no longer get these emails');
    expect(html).toContain('Reminders about items left in your cart');
    expect(await optOutsOf(email)).toEqual(['cart_reminders']);
    expect(await suppressionsOf(email)).toEqual([]);

    const cartChain = client.workflow.getHandle(cartWorkflowId({ shopId, cartId: cart.data.id }));
    expect(await cartChain.result()).toBe('stopped');
    // The welcome series is another kind of email: its next step still goes out.
    const welcomeChain = client.workflow.getHandle(
      journeyWorkflowId({ shopId, trigger: 'customer.created', subjectId: customer.id }),
    );
    expect(await welcomeChain.result()).toBe('completed');
    expect(mailsTo()).toHaveLength(3);

    // Had the stop signal been lost, the cart campaign's next step would still not send.
    const next = (await activityEnvironment().run(createActivities(activityDeps).runChainStep, {
      workflowId: cartWorkflowId({ shopId, cartId: cart.data.id }),
      shopId,
      cartId: cart.data.id,
      campaign: cartCampaign,
      stepIndex: 1,
      enteredAt: Date.now() - 60_000,
      cart: CartUpdatedEvent.parse(cart).data,
    })) as ChainStepResult;
    expect(next).toEqual({ status: 'skipped', reason: 'unsubscribed', endChain: true });
    expect(mailsTo()).toHaveLength(3);
  });

  it('resubscribe lifts the unsubscribe and every opt-out, and says so', async () => {
    const email = newAddress('lee');
    const { path } = await sentEmail({ email });
    await post(path, { action: 'category', category: ['welcome', 'post_purchase'] });
    await post(path, { action: 'all' });
    expect(await optOutsOf(email)).toEqual(['post_purchase', 'welcome']);
    const response = await post(path, { action: 'resubscribe' });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Welcome back');
    expect(await suppressionsOf(email)).toEqual([]);
    expect(await optOutsOf(email)).toEqual([]);
  });

  it('resubscribe never lifts a bounce or complaint, even one recorded after the unsubscribe', async () => {
    const bounced = newAddress('bounced');
    const bouncedLink = await sentEmail({ email: bounced });
    await database.sql`insert into suppressions (shop_id, email, reason, source) values (${shopId}, ${bounced}, 'hard_bounce', 'smtp')`;
    const page = await (await app.request(bouncedLink.path)).text();
    expect(page).toContain('earlier emails to it could not be delivered. Subscribing again here cannot lift that');
    expect(page).not.toContain('spam');
    expect(page).not.toContain('value="all"');
    expect(page).not.toContain('value="resubscribe"');
    const refused = await (await post(bouncedLink.path, { action: 'resubscribe' })).text();
    expect(refused).toContain('Subscribing again here cannot lift that');
    expect(refused).not.toContain('Welcome back');
    expect(await suppressionsOf(bounced)).toEqual([{ reason: 'hard_bounce', source: 'smtp' }]);

    // Unsubscribed first, complained later: the suppression kept its first reason.
    const complained = newAddress('complained');
    const complainedLink = await sentEmail({ email: complained });
    await post(complainedLink.path, { action: 'all' });
    await database.sql`insert into delivery_events (shop_id, email, type, source, occurred_at)
      values (${shopId}, ${complained}, 'complaint', 'sendgrid', now())`;
    const answer = await (await post(complainedLink.path, { action: 'resubscribe' })).text();
    expect(answer).toContain('an earlier email was reported as spam. Subscribing again here cannot lift that');
    expect(await suppressionsOf(complained)).toEqual([{ reason: 'complaint', source: 'resubscribe' }]);
    const complainedPage = await (await app.request(complainedLink.path)).text();
    expect(complainedPage).toContain('reported as spam');
    expect(complainedPage).not.toContain('value="resubscribe"');
  });

  // What `cartflow suppressions add <email> -d …` records: reason manual, source cli.
  const blockByHand = (email: string) =>
    suppress(database.db, { shopId, email, reason: 'manual', source: 'cli', detail: 'asked by phone' });

  it('a block by the shop says so, in Russian too, claims no bounce or spam, and offers no subscribe again', async () => {
    const ivan = 'иван@пример.рф';
    const russianLink = await sentEmail({ email: ivan, locale: 'ru' });
    await blockByHand(ivan);
    const russian = await (await app.request(russianLink.path)).text();
    expect(russian).toContain('Магазин прекратил отправку писем на этот адрес.');
    expect(russian).toContain('Наши письма на адрес и••@пример.рф:');
    expect(russian).not.toContain('Выберите'); // nothing to choose under a block
    expect(russian).not.toMatch(/спам|не были доставлены|не удалось доставить/);
    expect(russian).not.toContain('Подписаться снова');
    expect(russian).not.toContain('value="resubscribe"');

    const ada = newAddress('blocked');
    const englishLink = await sentEmail({ email: ada });
    await blockByHand(ada);
    const english = await (await app.request(englishLink.path)).text();
    expect(english).toContain('The shop has stopped emails to this address.');
    expect(english).not.toContain('Choose which emails');
    expect(english).not.toMatch(/spam|bounced|could not be delivered/);
    expect(english).not.toContain('Subscribe again');
    expect(english).not.toContain('value="all"');

    // A hand-made POST cannot lift it either, and the answer does not pretend it did.
    const answer = await (await post(russianLink.path, { action: 'resubscribe' })).text();
    expect(answer).toContain('но письма пока приходить не будут');
    expect(answer).toContain('Магазин прекратил отправку писем на этот адрес.');
    expect(answer).not.toMatch(/С возвращением|спам/);
    expect(await suppressionsOf(emailKey(ivan))).toEqual([{ reason: 'manual', source: 'cli' }]); // stored by its key
  });

  it('an unsubscribe is the recipient’s own to undo: the page offers subscribe again', async () => {
    const email = newAddress('undo');
    const { path } = await sentEmail({ email });
    await post(path, { action: 'all' });
    const page = await (await app.request(path)).text();
    expect(page).toContain('You are unsubscribed from all marketing email.');
    expect(page).toContain('value="resubscribe"');
    expect(page).not.toMatch(/blocked|spam/);
  });

  it('one-click is recognised in a multipart body too, and answers with plain text', async () => {
    const email = newAddress('multi');
    const { path } = await sentEmail({ email });
    const body = new FormData();
    body.append('List-Unsubscribe', 'One-Click');
    const response = await app.request(path, { method: 'POST', body });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await suppressionsOf(email)).toEqual([{ reason: 'unsubscribed', source: 'one_click' }]);
  });

  it('bad form input: a 400 page naming the problem, escaped, and nothing stored', async () => {
    const email = newAddress('typo');
    const { path } = await sentEmail({ email });
    const cases: Array<[Record<string, string | string[]>, string]> = [
      [{}, 'action: choose one of'],
      [{ action: 'everything' }, 'action: choose one of'],
      [{ action: 'category' }, 'category: tick at least one kind of email'],
      [
        { action: 'category', category: ['welcome', '<img src=x onerror=alert(1)>'] },
        'category: &quot;&lt;img src=x onerror=alert(1)&gt;&quot; is not a kind of email we send',
      ],
    ];
    for (const [fields, problem] of cases) {
      const response = await post(path, fields);
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain(problem);
      expect(html).not.toContain('<img');
    }
    const broken = await app.request(path, {
      method: 'POST',
      body: '--x\r\nnot a part',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
    });
    expect(broken.status).toBe(400);
    expect(await broken.text()).toContain('action: choose one of');
    expect(await suppressionsOf(email)).toEqual([]);
    expect(await optOutsOf(email)).toEqual([]);
  });
});

describe('links that do not work', () => {
  it('tampered, foreign, wrong-purpose and unknown tokens: 404 page, nothing done', async () => {
    const email = newAddress('tamper');
    const { path, messageId } = await sentEmail({ email });
    const token = path.slice('/u/'.length);
    const other = (char: string) => (char === 'A' ? 'B' : 'A');
    const changedAt = (text: string, at: number) => `${text.slice(0, at)}${other(text[at]!)}${text.slice(at + 1)}`;
    const far = new Date(Date.now() + DAY);
    const firstForm = firstFormToken(TRACKING_SECRET, { purpose: 'unsubscribe', messageId, expiresAt: far });
    const tokens = [
      // (The last character carries padding bits, so it is not the one changed.)
      changedAt(token, 0),
      changedAt(token, token.length - 2),
      changedAt(firstForm, 0),
      changedAt(firstForm, firstForm.indexOf('.') + 1),
      'not-a-token',
      signToken('another-secret-0123456789abcdef0123', { purpose: 'unsubscribe', messageId, expiresAt: far }),
      signToken(TRACKING_SECRET, { purpose: 'click', messageId, linkIndex: 0, expiresAt: far }),
      signToken(TRACKING_SECRET, { purpose: 'unsubscribe', messageId: randomUUID(), expiresAt: far }),
    ];
    for (const bad of tokens) {
      const page = await app.request(`/u/${bad}`);
      expect(page.status).toBe(404);
      expect(await page.text()).toContain('This unsubscribe link is not valid');
      expect((await app.request(`/u/${bad}`, oneClickRequest)).status).toBe(404);
      expect((await post(`/u/${bad}`, { action: 'all' })).status).toBe(404);
    }
    expect(await suppressionsOf(email)).toEqual([]);
  });

  it('a link that names no email we hold answers in the browser’s language (Accept-Language), else English', async () => {
    const unknown = `/u/${signToken(TRACKING_SECRET, { purpose: 'unsubscribe', messageId: randomUUID(), expiresAt: new Date(Date.now() + DAY) })}`;
    const pageFor = async (acceptLanguage: string) => {
      const page = await app.request(unknown, { headers: { 'accept-language': acceptLanguage } });
      expect(page.status).toBe(404);
      return page.text();
    };
    const russian = await pageFor('ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7');
    expect(russian).toContain('<html lang="ru"');
    expect(russian).toContain(TEXTS.ru.notFoundTitle);
    expect(await pageFor('fr-CH, fr;q=0.9, ru;q=0.5')).toContain(TEXTS.ru.notFoundTitle);
    expect(await pageFor('en;q=1, ru;q=0.5')).toContain(TEXTS.en.notFoundTitle);
    expect(await pageFor('de-DE')).toContain(TEXTS.en.notFoundTitle);
    expect(await pageFor('ru;q=0, en;q=0.1')).toContain(TEXTS.en.notFoundTitle);
    // An email we hold keeps its own language whatever the browser says.
    const english = await app.request((await sentEmail({ email: newAddress('browser-ru') })).path, {
      headers: { 'accept-language': 'ru-RU' },
    });
    expect(await english.text()).toContain('<html lang="en"');
  });

  it('a link of an erased person: a page saying their data was erased, not that the link is broken', async () => {
    const email = newAddress('erased');
    const { path } = await sentEmail({ email, locale: 'ru' });
    const english = await sentEmail({ email });
    await erasePerson({ db: database.db }, { shopId, email });

    const page = await app.request(path);
    expect(page.status).toBe(410);
    const html = await page.text();
    expect(html).toContain('Ваши данные удалены');
    expect(html).not.toContain('скопирована не полностью');
    const englishPage = await (await app.request(english.path)).text();
    expect(englishPage).toContain('Your data was erased');
    expect(englishPage).toContain('no email goes to it');
    expect(englishPage).not.toContain('copied incompletely');
    // The mail program's one-click: done, nothing to unsubscribe, and nothing stored about the address.
    const oneClick = await app.request(english.path, oneClickRequest);
    expect(oneClick.status).toBe(200);
    expect(await oneClick.text()).toContain('Your data was erased');
    expect((await post(path, { action: 'resubscribe' })).status).toBe(410);
    expect(await suppressionsOf(email)).toEqual([]);
  });

  it('an expired link of an erased person says the data was erased, not "use a newer email" (none will come)', async () => {
    const email = newAddress('erased-late');
    const { path } = await sentEmail({ email, locale: 'ru', expiresAt: new Date(Date.now() - 1_000) });
    await erasePerson({ db: database.db }, { shopId, email });

    const page = await app.request(path);
    expect(page.status).toBe(410);
    const html = await page.text();
    expect(html).toContain('Ваши данные удалены');
    expect(html).not.toContain('более нового письма');
    const oneClick = await app.request(path, oneClickRequest);
    expect(oneClick.status).toBe(200);
    expect(await oneClick.text()).toContain('Ваши данные удалены');
    expect(await suppressionsOf(email)).toEqual([]);
  });

  it('an expired link: a page saying so in the email’s language, no choices; only one-click still unsubscribes', async () => {
    const email = newAddress('late');
    const { path } = await sentEmail({ email, locale: 'ru', expiresAt: new Date(Date.now() - 1_000) });
    const page = await app.request(path);
    expect(page.status).toBe(410);
    const html = await page.text();
    expect(html).toContain('Срок действия этой ссылки для отписки истёк');
    expect(html).toContain('более нового письма');
    expect((await post(path, { action: 'all' })).status).toBe(410);
    expect(await suppressionsOf(email)).toEqual([]);
    // An opt-out is never refused: the mail program's one-click on an old email still works.
    const oneClick = await app.request(path, oneClickRequest);
    expect(oneClick.status).toBe(200);
    expect(oneClick.headers.get('location')).toBeNull();
    expect(await suppressionsOf(email)).toHaveLength(1);
  });

  it('a link of an email sent with a first-form token (eyJ…) still shows the page and unsubscribes', async () => {
    const email = newAddress('first-form');
    const { path, messageId } = await sentEmail({ email, locale: 'ru' });
    expect(path).toMatch(/^\/u\/[A-Z2-7]{60}$/);
    const old = `/u/${firstFormToken(TRACKING_SECRET, { purpose: 'unsubscribe', messageId, expiresAt: new Date(Date.now() + DAY) })}`;
    const page = await app.request(old);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('value="all"');
    const oneClick = await app.request(old, oneClickRequest);
    expect(oneClick.status).toBe(200);
    expect(await suppressionsOf(email)).toEqual([{ reason: 'unsubscribed', source: 'one_click' }]);
  });

  it('without a tracking secret there are no unsubscribe routes', async () => {
    const { path } = await sentEmail({ email: newAddress('off') });
    const response = await appWith({}).request(path);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
  });
});
