import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postShopEvent } from '../../demo/shop-webhook';
import { verifySignature } from '../../signing/webhook-signature';

const secret = 'demo-secret';
let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A webhook endpoint that gives the listed answers in turn and records what it was sent. */
async function endpoint(answers: Array<{ status: number; headers?: Record<string, string>; body: string }>) {
  const received: Array<{ body: string; signature: string }> = [];
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ body, signature: String(request.headers['cartflow-signature']) });
      const answer = answers[Math.min(received.length, answers.length) - 1]!;
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, received };
}

const unavailable = {
  status: 503,
  headers: { 'retry-after': '0' },
  body: '{"error":"temporarily_unavailable","message":"the event could not be stored; retry the same event later"}',
};
const body = JSON.stringify({ id: 'evt-1', type: 'cart.updated', data: { id: 'cart-1' } });

describe('the demo shop posting a webhook', () => {
  it('sends the same event again, signed afresh, when the server could not store it', async () => {
    const { baseUrl, received } = await endpoint([
      unavailable,
      unavailable,
      { status: 202, body: '{"status":"accepted"}' },
    ]);
    const answer = await postShopEvent({ baseUrl, webhookSecret: secret, body });
    expect(answer).toEqual({ status: 'accepted' });
    expect(received.map((request) => request.body)).toEqual([body, body, body]);
    for (const request of received) {
      const check = { secret, body: Buffer.from(request.body), header: request.signature, toleranceMs: 60_000 };
      expect(verifySignature({ ...check, nowMs: Date.now() })).toEqual({ ok: true });
    }
  });

  it('gives up after its attempts, naming the answer', async () => {
    const { baseUrl, received } = await endpoint([unavailable]);
    await expect(
      postShopEvent({ baseUrl, webhookSecret: secret, body }, { attempts: 3, maxWaitMs: 0 }),
    ).rejects.toThrow('webhook answered 503 after 3 attempts: {"error":"temporarily_unavailable"');
    expect(received).toHaveLength(3);
  });

  it('sends it again when the connection closed before any answer, and names the cause when it never answers', async () => {
    const { baseUrl, received } = await endpoint([{ status: 202, body: '{"status":"accepted"}' }]);
    let dropped = 0;
    // The first request's socket is closed unanswered, as a server closing an idle keep-alive
    // connection just as the request goes out does.
    server!.prependListener('request', (request) => {
      if (dropped++ === 0) request.socket.destroy();
    });
    expect(await postShopEvent({ baseUrl, webhookSecret: secret, body }, { attempts: 3, maxWaitMs: 0 })).toEqual({
      status: 'accepted',
    });
    expect(dropped).toBe(2);
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    await expect(
      postShopEvent(
        { baseUrl: `http://127.0.0.1:${closed}`, webhookSecret: secret, body },
        { attempts: 2, maxWaitMs: 0 },
      ),
    ).rejects.toThrow(/^webhook got no answer after 2 attempts: fetch failed: ECONNREFUSED/);
    expect(received.length).toBeGreaterThanOrEqual(1);
  });

  it('does not resend an event the server refused', async () => {
    const { baseUrl, received } = await endpoint([{ status: 400, body: '{"error":"invalid_payload"}' }]);
    await expect(postShopEvent({ baseUrl, webhookSecret: secret, body })).rejects.toThrow(
      'webhook answered 400: {"error":"invalid_payload"}',
    );
    expect(received).toHaveLength(1);
  });
});
