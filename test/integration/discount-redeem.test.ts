import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCartEvent } from '../../db/cart-store';
import { markUsed } from '../../db/discount-store';
import { CartEvent } from '../../domain/events';
import { type AppConfig, createApp } from '../../server/app';
import type { CartWorkflows } from '../../server/cart-workflows';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

// The shop's checkout as it calls cartflow: real HTTP handling through app.request(), real Postgres.
const shopId = 'shop-checkout';
const TOKEN = 'checkout-token-0123456789abcdef';
const ADMIN_TOKEN = 'admin-token-0123456789abcdefgh';
let database: TestDatabase;

const noWorkflows: CartWorkflows = {
  deliver: () => Promise.reject(new Error('no workflows in checkout tests')),
  startJourneys: () => Promise.reject(new Error('no workflows in checkout tests')),
  disableCartCodes: () => Promise.reject(new Error('no workflows in checkout tests')),
  plannedJourneys: async () => [],
};

const baseConfig: AppConfig = {
  shopId,
  webhookSecret: 'unused-webhook-secret',
  webhookMaxBytes: 64 * 1024,
  webhookToleranceMs: 300_000,
  adminToken: ADMIN_TOKEN,
};
const appWith = (config: Partial<AppConfig>) =>
  createApp({
    db: database.db,
    workflows: noWorkflows,
    config: { ...baseConfig, ...config },
    logger: pino({ level: 'silent' }),
  });
let app: ReturnType<typeof createApp>;

const HOUR = 3600 * 1000;
const inHours = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();

async function seed(code: string, fields: Record<string, unknown> = {}) {
  const row = {
    key: `key-${code}-${String(fields.shop_id ?? shopId)}`,
    shop_id: shopId,
    code,
    type: 'percent',
    value: '10',
    currency: null,
    expires_at: inHours(72),
    status: 'active',
    source: 'builtin',
    used_by_order_id: null,
    ...fields,
  };
  await database.sql`insert into discount_codes ${database.sql(row)}`;
}

beforeAll(async () => {
  database = await createTestDatabase();
  app = appWith({ checkoutApiToken: TOKEN });
  await seed('PERCENT10AAA');
  await seed('FIXED15EURAA', { type: 'fixed', value: '15.5', currency: 'EUR' });
  await seed('FREESHIPAAAA', { type: 'free_shipping', value: '0' });
  await seed('EXPIREDAAAAA', { expires_at: inHours(-1) });
  await seed('USEDAAAAAAAA', { status: 'used', used_at: inHours(-2), used_by_order_id: 'order-earlier' });
  await seed('DISABLEDAAAA', { status: 'disabled', disabled_at: inHours(-2) });
  // The shop's own discount system owns these; another shop's code is not this shop's.
  await seed('SHOPAPIAAAAA', { source: 'shop_api', external_id: 'shop-1' });
  await seed('OTHERSHOPAAA', { shop_id: 'shop-other' });
});
afterAll(async () => {
  await database?.drop();
});

const auth = { Authorization: `Bearer ${TOKEN}` };
const validate = (code: string, headers: Record<string, string> = auth) =>
  app.request(`/checkout/discounts/${code}`, { headers });
const redeem = (code: string, body: unknown, headers: Record<string, string> = auth) =>
  app.request(`/checkout/discounts/${code}/redeem`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const rowOf = async (code: string) =>
  (
    await database.sql`select status, used_by_order_id, used_at from discount_codes
      where shop_id = ${shopId} and code = ${code}`
  )[0];

describe('GET /checkout/discounts/:code', () => {
  it('answers a live code in any letter case with what it gives, never cached', async () => {
    const response = await validate('percent10aaa');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      code: 'PERCENT10AAA',
      status: 'valid',
      type: 'percent',
      percentOff: 10,
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('gives a fixed amount as a decimal string with its currency, and free shipping as a flag', async () => {
    expect(await (await validate('FIXED15EURAA')).json()).toMatchObject({
      status: 'valid',
      type: 'fixed',
      amountOff: '15.5',
      currency: 'EUR',
    });
    expect(await (await validate('FREESHIPAAAA')).json()).toMatchObject({
      status: 'valid',
      type: 'free_shipping',
      freeShipping: true,
    });
  });

  it('says expired, used and disabled for codes that no longer apply', async () => {
    for (const [code, status] of [
      ['EXPIREDAAAAA', 'expired'],
      ['USEDAAAAAAAA', 'used'],
      ['DISABLEDAAAA', 'disabled'],
    ]) {
      const response = await validate(code!);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ code, status, type: 'percent', percentOff: 10 });
    }
  });

  it('answers 404 unknown for a code it never issued, a shop-API code and another shop’s code', async () => {
    for (const code of ['NOSUCHCODE23', 'SHOPAPIAAAAA', 'OTHERSHOPAAA']) {
      const response = await validate(code);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code, status: 'unknown' });
    }
  });

  it('names the code when it cannot be one (too long, odd characters), never a 500', async () => {
    const long = await validate('A'.repeat(65));
    expect(long.status).toBe(400);
    expect(await long.json()).toMatchObject({
      error: 'invalid_code',
      message: expect.stringMatching(/^code \(path\)/),
    });
    const odd = await validate(encodeURIComponent("x' or 1=1"));
    expect(odd.status).toBe(400);
    expect(await odd.json()).toMatchObject({ error: 'invalid_code' });
  });
});

describe('the checkout token', () => {
  it('is required: missing or wrong gets 401 naming CHECKOUT_API_TOKEN, and ADMIN_TOKEN is not it', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { Authorization: 'Bearer wrong-token' },
      { Authorization: `Bearer ${ADMIN_TOKEN}` },
    ]) {
      const response = await validate('PERCENT10AAA', headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toMatchObject({ message: 'send Authorization: Bearer <CHECKOUT_API_TOKEN>' });
      expect((await redeem('PERCENT10AAA', { orderId: 'o-401' }, headers)).status).toBe(401);
    }
    expect((await rowOf('PERCENT10AAA'))?.status).toBe('active');
  });

  it('unset, the endpoints do not exist: 404 disabled', async () => {
    const unconfigured = appWith({ checkoutApiToken: undefined });
    const response = await unconfigured.request('/checkout/discounts/PERCENT10AAA', { headers: auth });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: 'disabled',
      message: 'the checkout discount API is disabled: set CHECKOUT_API_TOKEN to enable it',
    });
  });
});

describe('POST /checkout/discounts/:code/redeem', () => {
  it('of two concurrent redeems of one code exactly one succeeds; the other gets 409 used', async () => {
    // Several codes, each raced by two orders, so a lucky serial interleaving cannot pass alone.
    const codes = ['RACEAAAAAAA1', 'RACEAAAAAAA2', 'RACEAAAAAAA3', 'RACEAAAAAAA4', 'RACEAAAAAAA5'];
    for (const code of codes) await seed(code);
    for (const code of codes) {
      const responses = await Promise.all([
        redeem(code, { orderId: `${code}-a` }),
        redeem(code, { orderId: `${code}-b` }),
      ]);
      const bodies = (await Promise.all(responses.map((response) => response.json()))) as Array<{
        status: string;
        orderId?: string;
      }>;
      expect(responses.map((response) => response.status).sort()).toEqual([200, 409]);
      const winner = bodies.find((body) => body.status === 'redeemed');
      expect(bodies.map((body) => body.status).sort()).toEqual(['redeemed', 'used']);
      expect(await rowOf(code)).toMatchObject({
        status: 'used',
        used_by_order_id: winner?.orderId,
        used_at: expect.any(Date),
      });
    }
  });

  it('is idempotent for the same order, and 409 for any other', async () => {
    await seed('REPEATAAAAAA');
    const first = await redeem('repeataaaaaa', { orderId: 'order-1' });
    expect(first.status).toBe(200);
    const firstBody = (await first.json()) as { usedAt: string };
    expect(firstBody).toMatchObject({ code: 'REPEATAAAAAA', status: 'redeemed', orderId: 'order-1' });

    const again = await redeem('REPEATAAAAAA', { orderId: 'order-1' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ...firstBody, status: 'redeemed' });

    const other = await redeem('REPEATAAAAAA', { orderId: 'order-2' });
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ status: 'used' });
    expect(await rowOf('REPEATAAAAAA')).toMatchObject({ status: 'used', used_by_order_id: 'order-1' });
    expect(await (await validate('REPEATAAAAAA')).json()).toMatchObject({ status: 'used' });
  });

  it('a code the order webhook already marked used by that order redeems as a no-op', async () => {
    await seed('WEBHOOKAAAAA');
    await markUsed(database.db, { shopId, codes: ['WEBHOOKAAAAA'], orderId: 'order-w' });
    expect((await redeem('WEBHOOKAAAAA', { orderId: 'order-w' })).status).toBe(200);
    expect((await redeem('WEBHOOKAAAAA', { orderId: 'order-x' })).status).toBe(409);
  });

  it('an order webhook naming a code as the customer typed it (any case) uses it: single use stays single', async () => {
    await seed('TYPEDCASEAAA');
    const order = {
      id: 'evt-order-typed-case',
      type: 'order.placed',
      data: {
        cartId: 'cart-typed',
        orderId: 'order-typed',
        total: '90',
        currency: 'EUR',
        discountCodes: [' typedCaseAaa '],
      },
    };
    expect(await storeCartEvent(database.db, { shopId, event: CartEvent.parse(order), payload: order })).toEqual({
      kind: 'new',
    });
    expect(await rowOf('TYPEDCASEAAA')).toMatchObject({ status: 'used', used_by_order_id: 'order-typed' });
    expect(await (await validate('TYPEDCASEAAA')).json()).toMatchObject({ status: 'used' });
    expect((await redeem('typedcaseaaa', { orderId: 'order-typed' })).status).toBe(200);
    expect((await redeem('TYPEDCASEAAA', { orderId: 'order-someone-else' })).status).toBe(409);
  });

  it('expired and disabled codes are gone (410), unknown ones 404, and nothing changes', async () => {
    const expired = await redeem('EXPIREDAAAAA', { orderId: 'order-late' });
    expect(expired.status).toBe(410);
    expect(await expired.json()).toMatchObject({ status: 'expired' });
    const disabled = await redeem('DISABLEDAAAA', { orderId: 'order-late' });
    expect(disabled.status).toBe(410);
    expect(await disabled.json()).toMatchObject({ status: 'disabled' });
    for (const code of ['NOSUCHCODE23', 'SHOPAPIAAAAA', 'OTHERSHOPAAA']) {
      const unknown = await redeem(code, { orderId: 'order-late' });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ status: 'unknown' });
    }
    expect(await rowOf('EXPIREDAAAAA')).toMatchObject({ status: 'active', used_by_order_id: null });
    expect(await rowOf('SHOPAPIAAAAA')).toMatchObject({ status: 'active', used_by_order_id: null });
  });

  it('bad input is a 400 naming the field, never a 500, and redeems nothing', async () => {
    await seed('BADINPUTAAAA');
    const cases: Array<[unknown, string, RegExp]> = [
      ['{"orderId": ', 'invalid_json', /JSON object/],
      [{}, 'invalid_order_id', /^orderId: is required$/],
      [{ orderId: 42 }, 'invalid_order_id', /^orderId: must be a string$/],
      [{ orderId: '   ' }, 'invalid_order_id', /^orderId: must not be empty$/],
      [{ orderId: 'x'.repeat(129) }, 'invalid_order_id', /^orderId: must be at most 128 characters$/],
      [['order-1'], 'invalid_order_id', /JSON object like/],
    ];
    for (const [body, error, message] of cases) {
      const response = await redeem('BADINPUTAAAA', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await response.json()).toMatchObject({ error, message: expect.stringMatching(message) });
    }
    const longCode = await redeem('B'.repeat(65), { orderId: 'order-1' });
    expect(longCode.status).toBe(400);
    expect(await longCode.json()).toMatchObject({ error: 'invalid_code' });
    const huge = await redeem('BADINPUTAAAA', { orderId: 'o', padding: 'x'.repeat(8 * 1024) });
    expect(huge.status).toBe(413);
    expect((await rowOf('BADINPUTAAAA'))?.status).toBe('active');
  });
});
