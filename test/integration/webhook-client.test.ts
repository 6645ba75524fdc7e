import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Cart, CartflowError, createCartflowClient } from '../../client/cartflow-client';
import { canonicalEmail } from '../../domain/email-address';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { consumerCampaign } from '../helpers/campaigns';
import { TEST_SECRET } from '../helpers/cart-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { type TestHttpServer, startHttpServer } from '../helpers/http-server';

// The client in client/ against the real server over a real socket: real Postgres and the real
// Temporal dev server (no worker: what is stored and started counts).
const shopId = 'shop-client';
let database: TestDatabase;
let connection: Connection;
let server: TestHttpServer;

beforeAll(async () => {
  database = await createTestDatabase();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  const app = createApp({
    db: database.db,
    workflows: createCartWorkflows({
      client: new Client({ connection }),
      taskQueue: 'webhook-client-test-no-worker',
      abandonAfterMs: 3_600_000,
      campaigns: [consumerCampaign()],
    }),
    config: { shopId, webhookSecret: TEST_SECRET, webhookMaxBytes: 64 * 1024, webhookToleranceMs: 300_000 },
    logger: pino({ level: 'silent' }),
  });
  server = await startHttpServer(app);
});
afterAll(async () => {
  await server?.close();
  await connection?.close();
  await database?.drop();
});

/** A client that counts its requests, so a test sees that a refusal was not retried. */
function countingClient(secret = TEST_SECRET) {
  const calls = { count: 0 };
  const client = createCartflowClient({
    baseUrl: server.url,
    secret,
    maxAttempts: 3,
    fetch: (input, init) => {
      calls.count += 1;
      return fetch(input, init);
    },
  });
  return { client, calls };
}

function hostileCart(): Cart {
  return {
    id: `cart-${randomUUID().slice(0, 8)}`,
    currency: 'EUR',
    items: [
      { sku: 'COAT-48', name: 'Пальто «Зима» & шарф', quantity: 1, unitPrice: '189.90', categories: ['coats'] },
      { sku: 'MUG', name: 'Mug "O\'Reilly" — ☕', quantity: 2, unitPrice: 12.5 },
    ],
    total: '214.90',
    recoveryUrl: 'https://shop.example.com/cart/recover?token=t0k3n&lang=ru',
    customer: {
      id: `cust-${randomUUID().slice(0, 6)}`,
      email: `o'brien-${randomUUID().slice(0, 6)}@Пример.РФ`,
      name: 'שרה O’Brien',
      locale: 'ru-RU',
      timeZone: 'Europe/Moscow',
      marketingConsent: true,
    },
    updatedAt: new Date().toISOString(),
  };
}

const storedEvent = async (eventId: string) =>
  (await database.sql`select type, cart_id from cart_events where shop_id = ${shopId} and event_id = ${eventId}`)[0];

describe('the webhook client against the real server', () => {
  it('cartUpdated: the signature verifies, the event is stored and its workflow started; a resend is a duplicate', async () => {
    const { client, calls } = countingClient();
    const cart = hostileCart();
    const first = await client.cartUpdated(cart);
    expect(first).toMatchObject({ status: 'accepted', httpStatus: 202, attempts: 1 });
    expect(first.workflowId).toContain(cart.id);
    expect(await storedEvent(first.eventId)).toEqual({ type: 'cart.updated', cart_id: cart.id });

    const again = await client.cartUpdated(structuredClone(cart));
    expect(again).toMatchObject({ status: 'duplicate', httpStatus: 200, eventId: first.eventId });
    expect(calls.count).toBe(2);
  });

  it('orderPlaced and customerCreated are accepted', async () => {
    const { client } = countingClient();
    const cart = hostileCart();
    await client.cartUpdated(cart);
    const order = await client.orderPlaced({
      cartId: cart.id,
      orderId: `order-${randomUUID().slice(0, 6)}`,
      total: '214.90',
      currency: 'EUR',
      placedAt: new Date().toISOString(),
      discountCodes: ['K7PQM2XWR9TA'],
    });
    expect(order).toMatchObject({ status: 'accepted', attempts: 1 });
    expect(await storedEvent(order.eventId)).toEqual({ type: 'order.placed', cart_id: cart.id });

    const welcome = await client.customerCreated({
      customer: { id: `c-${randomUUID().slice(0, 6)}`, email: 'анна@пример.рф', name: 'Анна' },
      welcomeUrl: 'https://shop.example.com/account',
    });
    expect(welcome).toMatchObject({ status: 'accepted', httpStatus: 202 });
  });

  it('consentUpdated: a withdrawal for the IDN address of a stored cart is applied and answered 200', async () => {
    const { client, calls } = countingClient();
    const cart = hostileCart();
    await client.cartUpdated(cart);
    const updatedAt = new Date(Date.now() + 1_000).toISOString();
    const withdrawn = await client.consentUpdated({
      customer: { email: cart.customer.email },
      marketingConsent: false,
      updatedAt,
    });
    expect(withdrawn).toMatchObject({ status: 'consent_withdrawn', httpStatus: 200, attempts: 1 });
    const stored = await database.sql`select marketing_consent from customers
      where shop_id = ${shopId} and email = ${canonicalEmail(cart.customer.email)!}`;
    expect(stored.map((row) => row.marketing_consent)).toEqual([false]);
    expect(calls.count).toBe(2);
  });

  it('a payload the server refuses is one attempt and an error naming the field', async () => {
    const { client, calls } = countingClient();
    const cart = hostileCart();
    const failure = (await client
      .cartUpdated({ ...cart, items: [{ sku: 'A', name: 'A', quantity: 0, unitPrice: '1' }] })
      .catch((caught: unknown) => caught)) as CartflowError;
    expect(failure).toBeInstanceOf(CartflowError);
    expect(failure.details).toMatchObject({ status: 400, code: 'invalid_payload', retryable: false, attempts: 1 });
    expect(failure.details.issues).toEqual([
      { path: 'data.items.0.quantity', message: 'must be a whole number from 1 to 100000' },
    ]);
    expect(calls.count).toBe(1);
    expect(await storedEvent(failure.details.eventId)).toBeUndefined();
  });

  it('a wrong secret is refused once, not retried', async () => {
    const { client, calls } = countingClient('not-the-shared-secret-000');
    const failure = (await client.cartUpdated(hostileCart()).catch((caught: unknown) => caught)) as CartflowError;
    expect(failure.details).toMatchObject({ status: 401, code: 'bad_signature', retryable: false });
    expect(calls.count).toBe(1);
  });

  it('serves the contract the client was written against', async () => {
    const response = await fetch(`${server.url}/webhooks/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(['/webhooks/cart']);
  });
});
