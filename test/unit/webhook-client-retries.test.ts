import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../../signing/webhook-signature';
import { backoffMs, retryAfterMs } from '../../client/backoff';
import { type Cart, CartflowError, createCartflowClient } from '../../client/cartflow-client';

// A local HTTP server stands in for cartflow and answers from a script: what is tested here is
// the client's own behaviour (retries, backoff, ids, signatures). The round trip against the real
// server is test/integration/webhook-client.test.ts.
const SECRET = 'client-test-secret-0123456789';

interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
}
interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Answers the n-th request with the n-th answer (the last one repeats). */
async function standIn(answers: Answer[]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = answers[Math.min(seen.length, answers.length) - 1] as Answer;
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(JSON.stringify(answer.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server?.address() as AddressInfo).port}`, seen };
}

function clientFor(url: string, waits: number[], overrides: { maxAttempts?: number; timeoutMs?: number } = {}) {
  return createCartflowClient({
    baseUrl: `${url}/`,
    secret: SECRET,
    initialDelayMs: 500,
    maxDelayMs: 4000,
    random: () => 0.5,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...overrides,
  });
}

const cart: Cart = {
  id: 'cart-42',
  currency: 'EUR',
  items: [{ sku: 'TEE', name: 'Футболка «Ёж» & Co', quantity: 1, unitPrice: '19.90' }],
  total: '19.90',
  recoveryUrl: 'https://shop.example.com/cart/recover?token=t0k3n',
  customer: { email: "o'brien@пример.рф", name: 'שרה', marketingConsent: true },
  updatedAt: '2026-11-29T10:00:00Z',
};

const accepted = { status: 202, body: { status: 'accepted', eventId: 'x', workflowId: 'cart:shop:cart-42' } };
const unavailable = {
  status: 503,
  headers: {},
  body: { error: 'temporarily_unavailable', message: 'event stored; retry the same event later' },
};

function verifies(request: Seen): boolean {
  return verifySignature({
    header: request.headers['cartflow-signature'] as string | undefined,
    body: Buffer.from(request.body),
    secret: SECRET,
    toleranceMs: 300_000,
    nowMs: Date.now(),
  }).ok;
}

describe('webhook client: retries', () => {
  it('retries 5xx with full-jitter exponential backoff, the same signed body and event id each time', async () => {
    const { url, seen } = await standIn([unavailable, { status: 502, body: 'bad gateway' }, accepted]);
    const waits: number[] = [];
    const result = await clientFor(url, waits).cartUpdated(cart);
    expect(result).toMatchObject({ status: 'accepted', httpStatus: 202, attempts: 3 });
    expect(seen.map((request) => request.body)).toEqual([seen[0]?.body, seen[0]?.body, seen[0]?.body]);
    expect(seen.every(verifies)).toBe(true);
    const event = JSON.parse(seen[0]?.body ?? '{}') as { id: string; type: string; data: Cart };
    expect(event).toMatchObject({ type: 'cart.updated', data: cart });
    expect(event.id).toMatch(/^cart\.updated:[0-9a-f]{40}$/);
    // random() = 0.5 of min(4000, 500 × 2^n): 250 ms, then 500 ms.
    expect(waits).toEqual([250, 500]);
  });

  it('waits as long as a 429 or 503 asks in Retry-After', async () => {
    const { url } = await standIn([
      { status: 429, headers: { 'retry-after': '7' }, body: { error: 'rate_limited', message: 'slow down' } },
      { ...unavailable, headers: { 'retry-after': '30' } },
      accepted,
    ]);
    const waits: number[] = [];
    const result = await clientFor(url, waits).cartUpdated(cart);
    expect(result.attempts).toBe(3);
    expect(waits).toEqual([7000, 30_000]);
  });

  it.each([
    [400, 'invalid_payload'],
    [401, 'bad_signature'],
    [409, 'event_id_conflict'],
    [413, 'payload_too_large'],
  ])('never retries a %i', async (status, error) => {
    const issues = [{ path: 'data.total', message: 'must be a non-negative decimal amount' }];
    const { url, seen } = await standIn([{ status, body: { error, message: `refused: ${error}`, issues } }]);
    const waits: number[] = [];
    const failure = await clientFor(url, waits)
      .cartUpdated(cart)
      .catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(CartflowError);
    expect((failure as CartflowError).message).toBe(`cartflow answered ${status} ${error}: refused: ${error}`);
    expect((failure as CartflowError).details).toMatchObject({
      status,
      code: error,
      retryable: false,
      attempts: 1,
      issues,
    });
    expect(seen).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('gives up after maxAttempts, saying the failure could pass', async () => {
    const { url, seen } = await standIn([unavailable]);
    const waits: number[] = [];
    const failure = (await clientFor(url, waits, { maxAttempts: 4 })
      .orderPlaced({ cartId: 'cart-42', orderId: 'order-1', total: 19.9, currency: 'EUR' })
      .catch((caught: unknown) => caught)) as CartflowError;
    expect(failure.details).toMatchObject({
      status: 503,
      code: 'temporarily_unavailable',
      retryable: true,
      attempts: 4,
    });
    expect(failure.message).toMatch(/^cartflow answered 503 temporarily_unavailable after 4 attempts/);
    expect(seen).toHaveLength(4);
    // Half of 500 × 2^n each time (random() = 0.5); the cap is tested under 'backoff'.
    expect(waits).toEqual([250, 500, 1000]);
  });

  it('retries when nothing listens (network error) and when the answer does not come in time', async () => {
    const { url: closedUrl } = await standIn([accepted]);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const waits: number[] = [];
    const refused = (await clientFor(closedUrl, waits, { maxAttempts: 3 })
      .cartUpdated(cart)
      .catch((caught: unknown) => caught)) as CartflowError;
    expect(refused.details).toMatchObject({ code: 'network_error', retryable: true, attempts: 3 });
    expect(refused.message).toMatch(/ECONNREFUSED/);

    const seen: Seen[] = [];
    server = createServer((request) => {
      seen.push({ headers: request.headers, body: '' }); // never answers
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const silentUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const timedOut = (await clientFor(silentUrl, [], { maxAttempts: 2, timeoutMs: 200 })
      .cartUpdated(cart)
      .catch((caught: unknown) => caught)) as CartflowError;
    expect(timedOut.details).toMatchObject({ code: 'timeout', retryable: true, attempts: 2 });
    expect(seen).toHaveLength(2);
    server.closeAllConnections();
  });
});

describe('webhook client: event ids', () => {
  it('the same event gets the same id on every call; a changed cart or an explicit id gets its own', async () => {
    const { url, seen } = await standIn([accepted]);
    const client = clientFor(url, []);
    await client.cartUpdated(cart);
    await client.cartUpdated(structuredClone(cart));
    await client.cartUpdated({ ...cart, updatedAt: '2026-11-29T10:05:00Z' });
    await client.cartUpdated(cart, { eventId: 'shop-queue-msg-981' });
    await client.customerCreated({ customer: { id: 'c1', email: 'a@example.com' }, welcomeUrl: 'https://s.example/' });
    const ids = seen.map((request) => (JSON.parse(request.body) as { id: string }).id);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(ids[3]).toBe('shop-queue-msg-981');
    expect(ids[4]).toMatch(/^customer\.created:/);
  });
});

describe('backoff', () => {
  it('full jitter: from 0 up to min(cap, base × 2^(retry−1))', () => {
    const at = (random: number, retry: number) =>
      backoffMs({ retry, initialDelayMs: 500, maxDelayMs: 30_000, random: () => random });
    expect([1, 2, 3, 4].map((retry) => at(0.999, retry))).toEqual([499, 999, 1998, 3996]);
    expect(at(0, 5)).toBe(0);
    expect(at(0.999, 20)).toBe(29_970);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-29T10:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Sun, 29 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
