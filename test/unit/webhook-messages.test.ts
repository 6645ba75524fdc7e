import { generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../db/client';
import { CartEvent } from '../../domain/events';
import { createApp } from '../../server/app';
import type { CartWorkflows } from '../../server/cart-workflows';
import { GenericDeliveryEvent } from '../../server/delivery-routes';
import { TEST_SECRET, cartUpdatedEvent, orderPlacedEvent, signedRequest } from '../helpers/cart-events';

// What a shop developer reads in a 400: the field, and what it allows with the limit in words.
// A refused body never reaches the database or Temporal, so both are stand-ins that fail if touched.
const untouchable = <T extends object>(): T =>
  new Proxy({} as T, {
    get: (_target, property) => {
      if (property === 'then') return undefined;
      throw new Error(`a refused webhook reached ${String(property)}`);
    },
  });

const WEBHOOK_MAX_BYTES = 64 * 1024;
const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const app = createApp({
  db: untouchable<Db>(),
  workflows: untouchable<CartWorkflows>(),
  config: {
    shopId: 'shop-messages',
    webhookSecret: TEST_SECRET,
    webhookMaxBytes: WEBHOOK_MAX_BYTES,
    webhookToleranceMs: 300_000,
    sendgridWebhookPublicKey: sendgridKeys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    // Hundreds of generated bodies from one (socketless) client: the limits are tested elsewhere.
    rateLimits: { webhooks: 'off', tracking: 'off', unsubscribe: 'off' },
  },
  logger: pino({ level: 'silent' }),
});

interface Refusal {
  status: number;
  error: string;
  message: string;
  issues?: Array<{ path: string; message: string }>;
}

async function refusal(route: string, init: RequestInit): Promise<Refusal> {
  const response = await app.request(route, init);
  return { status: response.status, ...((await response.json()) as Omit<Refusal, 'status'>) };
}

// Stringified here: signedRequest would send a string body as it is, not as a JSON string.
const postCart = (body: unknown) => refusal('/webhooks/cart', signedRequest(JSON.stringify(body)));
const postDelivery = (body: unknown) => refusal('/webhooks/delivery', signedRequest(JSON.stringify(body)));
function postSendGrid(events: unknown) {
  const body = JSON.stringify(events);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign('sha256', Buffer.from(timestamp + body), sendgridKeys.privateKey).toString('base64');
  return refusal('/webhooks/sendgrid', {
    method: 'POST',
    headers: {
      'X-Twilio-Email-Event-Webhook-Signature': signature,
      'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
    },
    body,
  });
}

/** zod's own phrasing, which must never reach a shop developer. */
const RAW_ZOD = /Too (big|small)|Invalid (input|string|option|element|key|union)|\bexpected\b|\breceived\b|Required/;

function expectRefusal(refused: Refusal, path: string, words: string) {
  expect(refused.status).toBe(400);
  expect(refused.error).toBe('invalid_payload');
  expect(refused.issues).toContainEqual({ path, message: words });
  expect(refused.message).toContain(`${path || '(body)'}: ${words}`);
  expect(refused.message).not.toMatch(RAW_ZOD);
}

const cart = () => cartUpdatedEvent();
const withData = (extra: Record<string, unknown>) => {
  const event = cart();
  return { ...event, data: { ...event.data, ...extra } };
};
const withItem = (extra: Record<string, unknown>) =>
  withData({ items: [{ sku: 'TEE', name: 'T-shirt', quantity: 1, unitPrice: '19.90', ...extra }] });
const withCustomer = (extra: Record<string, unknown>) => cartUpdatedEvent({ customer: extra });
const withOrder = (extra: Record<string, unknown>) => {
  const order = orderPlacedEvent({ cartId: 'cart-1' });
  return { ...order, data: { ...order.data, ...extra } };
};
const line = { sku: 'TEE', name: 'T-shirt', quantity: 1, unitPrice: '1' };
const longEmail = `a@${Array.from({ length: 6 }, () => 'b'.repeat(60)).join('.')}.com`; // 372 characters

describe('webhook limits: each over-limit field is a 400 naming the field and the limit in words', () => {
  it.each([
    [
      'items per cart',
      withData({ items: Array.from({ length: 501 }, () => line) }),
      'data.items',
      'must have at most 500 items',
    ],
    ['quantity', withItem({ quantity: 100_001 }), 'data.items.0.quantity', 'must be a whole number from 1 to 100000'],
    ['whole quantity', withItem({ quantity: 1.5 }), 'data.items.0.quantity', 'must be a whole number from 1 to 100000'],
    ['item name', withItem({ name: 'x'.repeat(501) }), 'data.items.0.name', 'must be text of 1 to 500 characters'],
    ['sku', withItem({ sku: 'x'.repeat(129) }), 'data.items.0.sku', 'must be text of 1 to 128 characters'],
    [
      'categories per item',
      withItem({ categories: Array.from({ length: 51 }, (_, i) => `c${i}`) }),
      'data.items.0.categories',
      'must have at most 50 categories',
    ],
    [
      'category',
      withItem({ categories: ['x'.repeat(101)] }),
      'data.items.0.categories.0',
      'must be text of 1 to 100 characters',
    ],
    ['cart id', withData({ id: 'x'.repeat(129) }), 'data.id', 'must be text of 1 to 128 characters'],
    [
      'total',
      withData({ total: '1234567890123' }),
      'data.total',
      'must be a non-negative decimal amount such as 19.90 (up to 12 digits, 4 decimals)',
    ],
    [
      'recovery URL',
      withData({ recoveryUrl: `https://shop.example.com/${'x'.repeat(2048)}` }),
      'data.recoveryUrl',
      'must be an http(s) URL of at most 2048 characters',
    ],
    [
      'customer name',
      withCustomer({ name: 'x'.repeat(201) }),
      'data.customer.name',
      'must be text of at most 200 characters',
    ],
    [
      'customer email',
      withCustomer({ email: longEmail }),
      'data.customer.email',
      'must be an email address: domain longer than 253 octets',
    ],
    [
      'discount codes per order',
      withOrder({ discountCodes: Array.from({ length: 21 }, (_, i) => `CODE${i}`) }),
      'data.discountCodes',
      'must have at most 20 codes',
    ],
    [
      'discount code',
      withOrder({ discountCodes: ['X'.repeat(65)] }),
      'data.discountCodes.0',
      'must be text of 1 to 64 characters',
    ],
    [
      'a missing field',
      withData({ currency: undefined }),
      'data.currency',
      'is required; must be an ISO 4217 code such as EUR',
    ],
  ])('POST /webhooks/cart: %s', async (_limit, body, path, words) => {
    expectRefusal(await postCart(body), path, words);
  });

  const event = { id: 'evt-1', type: 'hard_bounce', email: 'gone@example.com' };
  it.each([
    ['events per request', Array.from({ length: 1001 }, () => event), '', 'must have at most 1000 events'],
    ['no events', [], '', 'must be a list of 1 to 1000 events'],
    ['event id', { ...event, id: 'x'.repeat(201) }, 'id', 'must be text of 1 to 200 characters'],
    ['detail', { ...event, detail: 'x'.repeat(1001) }, 'detail', 'must be text of at most 1000 characters'],
    ['type', { ...event, type: 'bounced' }, 'type', 'must be one of: hard_bounce, soft_bounce, complaint'],
  ])('POST /webhooks/delivery: %s', async (_limit, body, path, words) => {
    expectRefusal(await postDelivery(body), path, words);
  });

  it('POST /webhooks/sendgrid: a relevant event without its address', async () => {
    const refused = await postSendGrid([{ event: 'bounce', timestamp: 1, sg_event_id: 'sg-1' }]);
    expectRefusal(refused, '0.email', 'is required; must be text of 3 to 320 characters');
    expectRefusal(await postSendGrid({ event: 'bounce' }), '', 'must be a JSON array of events');
  });

  it('a body over WEBHOOK_MAX_BYTES is a 413 naming the limit in bytes and the setting', async () => {
    const big = withData({
      items: Array.from({ length: 400 }, (_, i) => ({ ...line, sku: `S${i}`, name: 'x'.repeat(200) })),
    });
    for (const refused of [
      await postCart(big),
      await postDelivery({ ...event, detail: 'x'.repeat(WEBHOOK_MAX_BYTES) }),
    ]) {
      expect(refused).toMatchObject({
        status: 413,
        error: 'payload_too_large',
        message: `body must be at most ${WEBHOOK_MAX_BYTES} bytes (WEBHOOK_MAX_BYTES)`,
      });
    }
  });
});

/** Every path of a JSON document, with the document, e.g. ['data', 'items', 0, 'quantity']. */
function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, item]) => pathsOf(item, [...prefix, key]))];
}

function replaceAt(document: unknown, path: Array<string | number>, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...Array<string | number>];
  const copy = (Array.isArray(document) ? [...document] : { ...(document as object) }) as Record<
    string | number,
    unknown
  >;
  copy[head] = replaceAt(copy[head], rest, replacement);
  return copy;
}

describe('no 400 speaks zod', () => {
  const valid = [
    cartUpdatedEvent({ customer: { country: 'DE', orderCount: 2, b2b: true, salesManagerEmail: 'sm@example.com' } }),
    withOrder({
      discountCodes: ['SAVE10'],
      customer: { email: 'b@example.com' },
      items: [{ ...line, categories: ['tee'] }],
    }),
    {
      id: 'evt-c',
      type: 'customer.created',
      data: { customer: { id: 'c1', email: 'c@example.com' }, welcomeUrl: 'https://shop.example.com/' },
    },
  ];
  const wrongField = fc
    .constantFrom(...valid)
    .chain((document) => fc.tuple(fc.constant(document), fc.constantFrom(...pathsOf(document)), fc.jsonValue()))
    .map(([document, path, replacement]) => replaceAt(document, path, replacement));

  it('a cart event with any field replaced by any JSON value: each message names the field in words', async () => {
    await fc.assert(
      fc.asyncProperty(wrongField, async (body) => {
        fc.pre(!CartEvent.safeParse(body).success);
        const refused = await postCart(body);
        expect(refused.status).toBe(400);
        expect(refused.message).not.toMatch(RAW_ZOD);
        for (const issue of refused.issues ?? []) {
          expect(issue.message).toMatch(/^(is required; )?must /);
          expect(refused.message).toContain(`${issue.path || '(body)'}: ${issue.message}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a delivery event with any field replaced by any JSON value', async () => {
    const document = { id: 'evt-1', type: 'complaint', email: 'x@example.com', messageId: '<a@b>', detail: 'arf' };
    const bodies = fc
      .tuple(fc.constantFrom(...pathsOf(document)), fc.jsonValue(), fc.boolean())
      .map(([path, replacement, asList]) => {
        const changed = replaceAt(document, path, replacement);
        return asList ? [document, changed] : changed;
      });
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const single = Array.isArray(body) ? body[1] : body;
        fc.pre(!GenericDeliveryEvent.safeParse(single).success);
        const refused = await postDelivery(body);
        expect(refused.status).toBe(400);
        expect(refused.message).not.toMatch(RAW_ZOD);
        expect(refused.issues?.every((issue) => /^(is required; )?must /.test(issue.message))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('a key twice in one object', () => {
  const twice = (json: string, key: string, extra: string) => json.replace(`"${key}":`, `"${key}":${extra},"${key}":`);

  it('is a 400 invalid_json naming the key and its object on every signed JSON webhook', async () => {
    const cartBody = twice(JSON.stringify(withCustomer({ email: 'a@example.com' })), 'email', '"b@example.com"');
    expect(await refusal('/webhooks/cart', signedRequest(cartBody))).toEqual({
      status: 400,
      error: 'invalid_json',
      message: 'duplicate key "email" at data.customer; each key may appear once per object',
    });
    const bounce = twice('[{"id":"evt-1","type":"hard_bounce","email":"a@example.com"}]', 'type', '"complaint"');
    expect(await refusal('/webhooks/delivery', signedRequest(bounce))).toMatchObject({
      status: 400,
      error: 'invalid_json',
      message: 'duplicate key "type" at 0; each key may appear once per object',
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const sendgridBody = twice(
      '[{"event":"bounce","email":"a@example.com","sg_event_id":"sg-1"}]',
      'email',
      '"b@x.org"',
    );
    const signature = sign('sha256', Buffer.from(timestamp + sendgridBody), sendgridKeys.privateKey).toString('base64');
    const sendgrid = await refusal('/webhooks/sendgrid', {
      method: 'POST',
      headers: {
        'X-Twilio-Email-Event-Webhook-Signature': signature,
        'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
      },
      body: sendgridBody,
    });
    expect(sendgrid).toMatchObject({
      status: 400,
      error: 'invalid_json',
      message: expect.stringMatching(/^duplicate key "email" at 0;/),
    });
  });

  it('keeps the words for a body that is not UTF-8 JSON', async () => {
    expect(await refusal('/webhooks/cart', signedRequest('{"id": '))).toEqual({
      status: 400,
      error: 'invalid_json',
      message: 'body must be a UTF-8 JSON document',
    });
    const notUtf8 = await refusal(
      '/webhooks/delivery',
      signedRequest(Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1')),
    );
    expect(notUtf8.message).toMatch(/^body must be a UTF-8 JSON document \(.+\)$/);
  });
});
