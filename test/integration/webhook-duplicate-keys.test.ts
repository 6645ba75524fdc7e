import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { cartWorkflowId } from '../../domain/ids';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { createOutboxRelay } from '../../server/outbox-relay';
import { consumerCampaign } from '../helpers/campaigns';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import type { TestDatabase } from '../helpers/database';
import { useDatabaseAndTemporal } from '../helpers/database-and-temporal';

// A signed webhook body with one key twice in an object: JSON.parse would keep the last value,
// the shop's JSON library may have meant the first, and the signature vouches only for the bytes.
// Real Postgres and the real Temporal dev server (no worker): every such body is a 400 naming the
// key and its object, never a 5xx, and nothing is stored, queued or started.
const shopId = 'shop-duplicate-keys';
const SHOP_DOMAIN = 'duplicate-keys.myshopify.com';
const SHOPIFY_SECRET = 'shpss_duplicate_keys_0123456789abcdef';

let database: TestDatabase;
let client: Client;
useDatabaseAndTemporal((opened) => ({ database, client } = opened));

function appWith() {
  const workflows = createCartWorkflows({
    client,
    taskQueue: 'duplicate-keys-no-worker',
    abandonAfterMs: 3_600_000,
    campaigns: [consumerCampaign()],
  });
  const logger = pino({ level: 'silent' });
  const relay = createOutboxRelay({ db: database.db, workflows, logger });
  const app = createApp({
    db: database.db,
    workflows,
    relay,
    config: {
      shopId,
      webhookSecret: TEST_SECRET,
      webhookMaxBytes: 256 * 1024,
      webhookToleranceMs: 300_000,
      shopify: { clientSecrets: [SHOPIFY_SECRET], shopDomain: SHOP_DOMAIN },
      // A hundred requests from one client: the limits have their own tests (http-hardening).
      rateLimits: { webhooks: 'off', tracking: 'off', unsubscribe: 'off' },
    },
    logger,
  });
  return { app, relay };
}

/** Posts, then lets the outbox relay deliver whatever was stored (as a server's relay would at once). */
async function post(path: string, init: RequestInit) {
  const target = appWith();
  const response = await target.app.request(path, init);
  await target.relay.drain();
  return { status: response.status, body: (await response.json()) as { error?: string; message?: string } };
}

/** Every table a webhook writes to. */
async function storedRows() {
  const [row] = await database.sql`
    select (select count(*) from cart_events)::int as events,
           (select count(*) from outbox)::int as outbox,
           (select count(*) from carts)::int as carts,
           (select count(*) from customers)::int as customers,
           (select count(*) from delivery_events)::int as delivery_events,
           (select count(*) from suppressions)::int as suppressions`;
  return row;
}

async function workflowExists(cartId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(cartWorkflowId({ shopId, cartId })).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

type Segment = string | number;

/** `document` as JSON text with one more member `"key": extra` in the object at `target`. */
function withDuplicate(
  document: unknown,
  {
    target,
    key,
    extra,
    position,
    escaped,
  }: { target: Segment[]; key: string; extra: unknown; position: number; escaped: boolean },
): string {
  // Escaped, the key reads the same to JSON.parse: `"\u0065mail"` is `email`.
  const spelled = escaped
    ? `"\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}${key.slice(1)}"`
    : JSON.stringify(key);
  const write = (value: unknown, at: Segment[]): string => {
    if (value === null || typeof value !== 'object') return JSON.stringify(value);
    if (Array.isArray(value)) return `[${value.map((item, index) => write(item, [...at, index])).join(',')}]`;
    const members = Object.entries(value).map(
      ([name, item]) => `${JSON.stringify(name)}:${write(item, [...at, name])}`,
    );
    if (at.join('.') === target.join('.')) {
      members.splice(position % (members.length + 1), 0, `${spelled}:${JSON.stringify(extra)}`);
    }
    return `{${members.join(',')}}`;
  };
  return write(document, []);
}

/** Each object of `value` with its keys. */
function objectsOf(value: unknown, at: Segment[] = []): Array<{ path: Segment[]; keys: string[] }> {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((item, index) => objectsOf(item, [...at, index]));
  const inner = Object.entries(value).flatMap(([name, item]) => objectsOf(item, [...at, name]));
  return [{ path: at, keys: Object.keys(value) }, ...inner];
}

/** Valid cart events with the data that breaks things: apostrophes, ampersands, Cyrillic, RTL, IDN. */
const validEvents = fc
  .record({
    name: fc.constantFrom("Zoë O'Brien & Søn", 'Иван Петров', 'שלום עליכם', '"Quoted" <b>'),
    email: fc.constantFrom("o'brien+tag@example.com", 'покупатель@магазин.рф', 'amp&co@xn--80ak6aa92e.com'),
    item: fc.constantFrom('Mug ☕ & "Co"', 'Книга', 'ספר', "L'Été"),
  })
  .map(({ name, email, item }) =>
    cartUpdatedEvent({
      customer: { email, name },
      items: [
        { sku: 'TEE-1', name: item, quantity: 1, unitPrice: '19.90', categories: ['tee', 'sale'] },
        { sku: 'MUG-1', name: 'Enamel mug', quantity: 2, unitPrice: '4.50' },
      ],
    }),
  );

describe('a signed webhook with a key twice in one object', () => {
  it('a cart event is accepted as sent, and refused (400 naming the key and where) with any key repeated anywhere', async () => {
    const control = cartUpdatedEvent({ customer: { name: "Zoë O'Brien & Søn" } });
    expect((await post('/webhooks/cart', signedRequest(control))).status).toBe(202);
    const before = await storedRows();

    const bodies = validEvents.chain((event) =>
      fc.record({
        event: fc.constant(event),
        object: fc.constantFrom(...objectsOf(event)),
        pick: fc.nat(),
        extra: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('evt-other', 'eve@example.com', '0.01')),
        position: fc.nat(),
        escaped: fc.boolean(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async ({ event, object, pick, extra, position, escaped }) => {
        const key = object.keys[pick % object.keys.length]!;
        const body = withDuplicate(event, { target: object.path, key, extra, position, escaped });
        const refused = await post('/webhooks/cart', signedRequest(body));
        expect(refused.status).toBe(400);
        expect(refused.body).toEqual({
          error: 'invalid_json',
          message: `duplicate key "${key}" at ${object.path.join('.') || '(body)'}; each key may appear once per object`,
        });
        expect(await storedRows()).toEqual(before);
        expect(await workflowExists(event.data.id)).toBe(false);
      }),
      { numRuns: 80 },
    );
  });

  it('the event id twice: refused, though either id alone would be a valid event', async () => {
    const event = cartUpdatedEvent();
    const body = JSON.stringify(event).replace('{"id":', `{"id":"evt-${randomUUID()}","id":`);
    const before = await storedRows();
    const refused = await post('/webhooks/cart', signedRequest(body));
    expect(refused).toEqual({
      status: 400,
      body: { error: 'invalid_json', message: 'duplicate key "id" at (body); each key may appear once per object' },
    });
    expect(await storedRows()).toEqual(before);
    expect(await workflowExists(event.data.id)).toBe(false);
  });

  it('a Shopify checkout is accepted as sent, and refused (400 naming it) with the customer email twice', async () => {
    const checkout = (email: string) => {
      const fixture = JSON.parse(
        readFileSync(new URL('../fixtures/shopify/checkouts-create.json', import.meta.url), 'utf8'),
      );
      const token = randomUUID().replace(/-/g, '');
      return {
        ...fixture,
        token,
        email,
        abandoned_checkout_url: `https://checkout.local/548380009/checkouts/${token}/recover?key=k`,
        customer: { ...fixture.customer, email },
      };
    };
    const shopify = (body: string, topic = 'checkouts/update') =>
      post('/webhooks/shopify', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(body).digest('base64'),
          'x-shopify-topic': topic,
          'x-shopify-shop-domain': SHOP_DOMAIN,
          'x-shopify-webhook-id': randomUUID(),
        },
        body,
      });
    expect((await shopify(JSON.stringify(checkout("o'brien@example.com")))).status).toBe(202);

    const before = await storedRows();
    const twice = withDuplicate(checkout('покупатель@магазин.рф'), {
      target: ['customer'],
      key: 'email',
      extra: 'someone-else@example.com',
      position: 0,
      escaped: false,
    });
    expect(await shopify(twice)).toEqual({
      status: 400,
      body: {
        error: 'invalid_json',
        message: 'duplicate key "email" at customer; each key may appear once per object',
      },
    });
    expect(await storedRows()).toEqual(before);
  });

  it('a delivery webhook is accepted as sent, and refused (400 naming it) with the address twice in its second event', async () => {
    const body =
      '[{"id":"bnc-1","type":"hard_bounce","email":"gone@example.com"},' +
      '{"id":"bnc-2","type":"hard_bounce","email":"kept@example.com","email":"gone2@example.com"}]';
    const accepted = await post('/webhooks/delivery', signedRequest(body.replace('"email":"kept@example.com",', '')));
    expect(accepted.body).toMatchObject({ status: 'ok', recorded: 2 });
    const before = await storedRows();
    const refused = await post('/webhooks/delivery', signedRequest(body));
    expect(refused).toEqual({
      status: 400,
      body: { error: 'invalid_json', message: 'duplicate key "email" at 1; each key may appear once per object' },
    });
    expect(await storedRows()).toEqual(before);
  });
});
