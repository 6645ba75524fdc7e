import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { signatureHeader } from '../../signing/webhook-signature';
import { TEST_SECRET, cartUpdatedEvent } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import type { TestDatabase } from '../helpers/database';
import { useDatabaseAndTemporal } from '../helpers/database-and-temporal';
import { type TestHttpServer, startHttpServer } from '../helpers/http-server';

// POST /webhooks/cart over a real socket: under @hono/node-server the body is read straight from
// Node's request (server/raw-body.ts), not through the web Request that app.request() tests use.
const shopId = 'shop-node-body';
const maxBytes = 4096;
let database: TestDatabase;
let client: Client;
let http: TestHttpServer;
useDatabaseAndTemporal((opened) => ({ database, client } = opened));

beforeAll(async () => {
  const workflows = createCartWorkflows({
    client,
    taskQueue: 'node-body-no-worker',
    abandonAfterMs: 3_600_000,
    campaigns: [consumerCampaign()],
  });
  const app = createApp({
    db: database.db,
    workflows,
    relay: { wake() {} },
    config: { shopId, webhookSecret: TEST_SECRET, webhookMaxBytes: maxBytes, webhookToleranceMs: 300_000 },
    logger: pino({ level: 'silent' }),
  });
  http = await startHttpServer(app);
});
afterAll(() => http?.close());

const hostileCustomer = { email: 'zoe@пример.рф', name: "Зоя O'Brien & Søn — שלום", marketingConsent: true };

function signed(raw: string): Record<string, string> {
  const timestampSeconds = Math.floor(Date.now() / 1000);
  return {
    'content-type': 'application/json',
    'cartflow-signature': signatureHeader({ secret: TEST_SECRET, body: raw, timestampSeconds }),
  };
}

/** Sends `raw` as a chunked body (no Content-Length), cut into `pieces` byte slices. */
function chunked(raw: string, pieces: number): { body: ReadableStream<Uint8Array>; duplex: 'half' } {
  const bytes = new TextEncoder().encode(raw);
  const size = Math.ceil(bytes.length / pieces);
  return {
    duplex: 'half',
    body: new ReadableStream({
      start(controller) {
        for (let at = 0; at < bytes.length; at += size) controller.enqueue(bytes.slice(at, at + size));
        controller.close();
      },
    }),
  };
}

const storedPayload = async (eventId: string) =>
  (await database.sql`select payload from cart_events where shop_id = ${shopId} and event_id = ${eventId}`)[0]
    ?.payload as { data: { customer: { name: string } } } | undefined;

describe('POST /webhooks/cart over a real socket', () => {
  it('stores the body byte for byte (Cyrillic, Hebrew, an apostrophe, an ampersand); the same event again is a duplicate', async () => {
    const event = cartUpdatedEvent({ customer: hostileCustomer });
    const raw = JSON.stringify(event);
    const first = await fetch(`${http.url}/webhooks/cart`, { method: 'POST', headers: signed(raw), body: raw });
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ status: 'accepted', eventId: event.id });
    expect((await storedPayload(event.id))?.data.customer.name).toBe(hostileCustomer.name);

    const again = await fetch(`${http.url}/webhooks/cart`, { method: 'POST', headers: signed(raw), body: raw });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate', eventId: event.id });
  });

  it('a chunked body with no Content-Length, cut inside multi-byte characters, is read whole', async () => {
    const event = cartUpdatedEvent({ customer: hostileCustomer });
    const raw = JSON.stringify(event);
    const response = await fetch(`${http.url}/webhooks/cart`, {
      method: 'POST',
      headers: signed(raw),
      ...chunked(raw, 7),
    });
    expect(response.status).toBe(202);
    expect((await storedPayload(event.id))?.data.customer.name).toBe(hostileCustomer.name);
  });

  it('a body declared larger than WEBHOOK_MAX_BYTES is refused with 413 naming the limit; nothing stored', async () => {
    const event = cartUpdatedEvent({ items: [{ sku: 'X', name: 'x'.repeat(maxBytes), quantity: 1, unitPrice: '1' }] });
    const raw = JSON.stringify(event);
    const response = await fetch(`${http.url}/webhooks/cart`, { method: 'POST', headers: signed(raw), body: raw });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'payload_too_large' });
    expect(await storedPayload(event.id)).toBeUndefined();
  });

  it('a chunked body that grows past WEBHOOK_MAX_BYTES is refused with 413; nothing stored, the server answers the next', async () => {
    const event = cartUpdatedEvent({ items: [{ sku: 'X', name: 'я'.repeat(maxBytes), quantity: 1, unitPrice: '1' }] });
    const raw = JSON.stringify(event);
    const response = await fetch(`${http.url}/webhooks/cart`, {
      method: 'POST',
      headers: signed(raw),
      ...chunked(raw, 5),
    });
    expect(response.status).toBe(413);
    const answer = (await response.json()) as { message: string };
    expect(answer.message).toContain('WEBHOOK_MAX_BYTES');
    expect(await storedPayload(event.id)).toBeUndefined();

    const next = cartUpdatedEvent();
    const nextRaw = JSON.stringify(next);
    const accepted = await fetch(`${http.url}/webhooks/cart`, {
      method: 'POST',
      headers: signed(nextRaw),
      body: nextRaw,
    });
    expect(accepted.status).toBe(202);
  });

  it('a body whose signature does not match is 401, as through app.request()', async () => {
    const raw = JSON.stringify(cartUpdatedEvent());
    const headers = { ...signed(raw), 'cartflow-signature': signed(`${raw} `)['cartflow-signature'] ?? '' };
    const response = await fetch(`${http.url}/webhooks/cart`, { method: 'POST', headers, body: raw });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'bad_signature' });
  });

  it('reads Cartflow-Shop and Cartflow-Signature from Node’s headers as app.request() does: missing, unknown, repeated', async () => {
    const raw = JSON.stringify(cartUpdatedEvent());
    const post = (headers: Headers | Record<string, string>) =>
      fetch(`${http.url}/webhooks/cart`, { method: 'POST', headers, body: raw });
    const unsigned = await post({ 'content-type': 'application/json' });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: 'missing_signature' });

    const unknown = await post({ ...signed(raw), 'cartflow-shop': ' shop-Zoë ' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'invalid_shop' });
    const elsewhere = await post({ ...signed(raw), 'Cartflow-Shop': 'no-such-shop' });
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.json()).toMatchObject({ message: expect.stringContaining('"no-such-shop"') });

    // Two Cartflow-Signature headers are one list, as Headers.get joins them: the second one matches.
    const repeated = new Headers(signed(raw));
    repeated.set('cartflow-signature', signed(`${raw} `)['cartflow-signature'] ?? '');
    repeated.append('cartflow-signature', signed(raw)['cartflow-signature'] ?? '');
    const accepted = await post(repeated);
    expect(accepted.status).toBe(202);
    const [row] = await database.sql`select count(*)::int as n from cart_events where event_id = ${JSON.parse(raw).id}`;
    expect(row).toEqual({ n: 1 });
  });
});
