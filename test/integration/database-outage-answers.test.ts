import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../db/client';
import { createApp } from '../../server/app';
import type { CartWorkflows } from '../../server/cart-workflows';
import { signToken } from '../../tracking/tokens';
import { TEST_SECRET } from '../helpers/cart-events';
import { freePort } from '../helpers/free-port';
import { oneClickRequest } from '../helpers/unsubscribe-links';

// PostgreSQL down (nothing listens on its port): every route that needs it must answer as the
// webhook does, 503 with Retry-After, so that a mailbox provider's one-click unsubscribe, an
// operator's privacy request or a Shopify webhook is tried again; never a 500 "internal error".
const TRACKING_SECRET = 'outage-test-tracking-secret-0123456789ab';
const ADMIN_TOKEN = 'outage-test-admin-token-0123456789';
let database: Database;
const logLines: string[] = [];

beforeAll(async () => {
  database = await openDatabase({ url: `postgres://postgres@127.0.0.1:${await freePort()}/cartflow` });
});
afterAll(() => database?.close());

function app() {
  const logger = pino(
    { level: 'warn' },
    new Writable({ write: (chunk, _encoding, done) => done(void logLines.push(String(chunk))) }),
  );
  return createApp({
    db: database.db,
    // Never reached: each request fails on the database first.
    workflows: {} as CartWorkflows,
    config: {
      shopId: 'shop-outage',
      webhookSecret: TEST_SECRET,
      webhookMaxBytes: 64 * 1024,
      webhookToleranceMs: 300_000,
      trackingSecret: TRACKING_SECRET,
      adminToken: ADMIN_TOKEN,
    },
    logger,
  });
}

describe('a request that needs PostgreSQL while it is down', () => {
  const unsubscribeToken = signToken(TRACKING_SECRET, {
    purpose: 'unsubscribe',
    messageId: '00000000-0000-4000-8000-000000000001',
    expiresAt: new Date(Date.now() + 86_400_000),
  });

  it.each([
    ['a one-click unsubscribe', `/u/${unsubscribeToken}`, oneClickRequest],
    [
      'a privacy export',
      '/admin/privacy/export?email=zo%C3%AB.o%27brien%40example.com',
      { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    ],
  ])('%s: 503 with Retry-After, saying to retry', async (_what, path, init) => {
    const response = await app().request(path, init);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({
      error: 'temporarily_unavailable',
      message: 'the database is unavailable; nothing was changed, retry later',
    });
  });

  it('logs the outage as a warning with its code, never the address', () => {
    const lines = logLines.map((line) => JSON.parse(line) as { level: number; msg: string; code?: string });
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line).toMatchObject({ level: 40, msg: 'database unavailable; request not served' });
    expect(lines.map((line) => line.code)).toContain('ECONNREFUSED');
    expect(logLines.join('')).not.toMatch(/brien/i);
  });
});
