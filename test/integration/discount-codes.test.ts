import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { http, HttpResponse, delay } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateDiscountCode } from '../../activities/discounts/code-generator';
import { type IssueDiscountCodeInput, createDiscountActivities } from '../../activities/discounts';
import { createShopDiscountApi } from '../../activities/discounts/shop-api';
import { markUsed } from '../../db/discount-store';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { activityEnvironment } from '../helpers/test-logger';

// The shop's discount API is a third party: msw plays it. Postgres is real.
const SHOP = 'https://shop.example.com/api';
const shop = setupServer();
let database: TestDatabase;

beforeAll(async () => {
  shop.listen({ onUnhandledRequest: 'error' });
  database = await createTestDatabase();
});
afterEach(() => shop.resetHandlers());
afterAll(async () => {
  shop.close();
  await database?.drop();
});

const api = createShopDiscountApi({ baseUrl: SHOP, token: 'shop-token', timeoutMs: 300 });
const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  activityEnvironment().run(fn, ...args) as Promise<R>;

function input(overrides: Partial<IssueDiscountCodeInput> = {}): IssueDiscountCodeInput {
  const cartId = `cart-${randomUUID().slice(0, 8)}`;
  return {
    key: `cart:shop:${cartId}:incentive`,
    shopId: 'shop',
    cartId,
    customerId: null,
    customerEmail: 'ada@example.com',
    currency: 'EUR',
    incentive: { type: 'percent', value: '10', validForMs: 3 * 24 * 3600 * 1000 },
    ...overrides,
  };
}

const codeRow = async (key: string) =>
  (await database.sql`select code, status, source, external_id, expires_at from discount_codes where key = ${key}`)[0];

describe('discount code generator', () => {
  it('makes 10,000 distinct, 12-character, unambiguous codes', () => {
    const codes = Array.from({ length: 10_000 }, () => generateDiscountCode());
    expect(new Set(codes).size).toBe(10_000);
    for (const code of codes) expect(code).toMatch(/^[A-HJKMNP-Z2-9]{12}$/);
  });
});

describe('issueDiscountCode without a shop API (built-in codes)', () => {
  it('stores one code per step key, valid for the incentive period', async () => {
    const activities = createDiscountActivities({ db: database.db, now: () => new Date('2026-11-23T12:00:00Z') });
    const step = input();
    const first = await run(activities.issueDiscountCode, step);
    const again = await run(activities.issueDiscountCode, step);
    expect(again.code).toBe(first.code);
    expect(first.expiresAt.toISOString()).toBe('2026-11-26T12:00:00.000Z');
    expect(await codeRow(step.key)).toMatchObject({ code: first.code, status: 'active', source: 'builtin' });
  });

  it('disables a cart’s live codes when its chain ends, and leaves used codes alone', async () => {
    const activities = createDiscountActivities({ db: database.db });
    const step = input();
    const issued = await run(activities.issueDiscountCode, step);
    const other = input();
    const used = await run(activities.issueDiscountCode, other);
    await markUsed(database.db, { shopId: 'shop', codes: [used.code] });
    expect(await run(activities.disableDiscountCodes, { shopId: 'shop', cartId: step.cartId })).toBe(1);
    expect(await run(activities.disableDiscountCodes, { shopId: 'shop', cartId: other.cartId })).toBe(0);
    expect((await codeRow(step.key))?.status).toBe('disabled');
    expect((await codeRow(other.key))?.status).toBe('used');
    expect(issued.code).not.toBe(used.code);
  });
});

describe('issueDiscountCode through the shop API', () => {
  const activities = () => createDiscountActivities({ db: database.db, shopApi: api });

  it('creates the code at the shop with auth, idempotency key and a usage limit of 1', async () => {
    const requests: Array<{ headers: Headers; body: Record<string, unknown> }> = [];
    shop.use(
      http.post(`${SHOP}/discount-codes`, async ({ request }) => {
        requests.push({ headers: request.headers, body: (await request.json()) as Record<string, unknown> });
        return HttpResponse.json({ id: 'shop-code-1' }, { status: 201 });
      }),
    );
    const step = input({ incentive: { type: 'fixed', value: '15', validForMs: 86_400_000 } });
    const issued = await run(activities().issueDiscountCode, step);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.headers.get('authorization')).toBe('Bearer shop-token');
    expect(requests[0]?.headers.get('idempotency-key')).toBe(step.key);
    expect(requests[0]?.body).toMatchObject({
      code: issued.code,
      type: 'fixed',
      value: '15',
      currency: 'EUR',
      usageLimit: 1,
    });
    expect(await codeRow(step.key)).toMatchObject({ source: 'shop_api', external_id: 'shop-code-1' });
  });

  it('a 5xx is retried by Temporal, and the retry sends the same code and idempotency key', async () => {
    const seen: Array<{ code: unknown; key: string | null }> = [];
    let calls = 0;
    shop.use(
      http.post(`${SHOP}/discount-codes`, async ({ request }) => {
        calls += 1;
        const body = (await request.json()) as { code: unknown };
        seen.push({ code: body.code, key: request.headers.get('idempotency-key') });
        return calls === 1
          ? HttpResponse.text('upstream exploded', { status: 502 })
          : HttpResponse.json({ id: 'shop-code-2' }, { status: 201 });
      }),
    );
    const step = input();
    const failure = await run(activities().issueDiscountCode, step).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ nonRetryable: false, type: 'ShopApiUnavailable' });
    expect((failure as Error).message).toContain('502');
    const issued = await run(activities().issueDiscountCode, step);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[0]?.code).toBe(issued.code);
    expect((await codeRow(step.key))?.external_id).toBe('shop-code-2');
  });

  it('a 429 asks Temporal to wait for Retry-After', async () => {
    shop.use(
      http.post(`${SHOP}/discount-codes`, () =>
        HttpResponse.text('slow down', { status: 429, headers: { 'retry-after': '7' } }),
      ),
    );
    const failure = await run(activities().issueDiscountCode, input()).catch((error: unknown) => error);
    expect(failure).toMatchObject({ nonRetryable: false, nextRetryDelay: 7000 });
  });

  it('a 4xx stops the step with the shop’s answer on record', async () => {
    shop.use(
      http.post(`${SHOP}/discount-codes`, () =>
        HttpResponse.json({ error: 'value must be at most 50' }, { status: 422 }),
      ),
    );
    const failure = await run(activities().issueDiscountCode, input()).catch((error: unknown) => error);
    expect(failure).toMatchObject({ nonRetryable: true, type: 'ShopApiRejected' });
    expect((failure as Error).message).toMatch(/answered 422: .*value must be at most 50/);
  });

  it('a shop API that does not answer in time is retried', async () => {
    shop.use(http.post(`${SHOP}/discount-codes`, async () => delay('infinite')));
    const failure = await run(activities().issueDiscountCode, input()).catch((error: unknown) => error);
    expect(failure).toMatchObject({ nonRetryable: false, type: 'ShopApiUnavailable' });
    expect((failure as Error).message).toMatch(/timed out after 300 ms/);
  });

  it('disables the shop’s code when the chain ends', async () => {
    const disabled: string[] = [];
    shop.use(
      http.post(`${SHOP}/discount-codes`, () => HttpResponse.json({ id: 'shop-code-9' }, { status: 201 })),
      http.post(`${SHOP}/discount-codes/:id/disable`, ({ params }) => {
        disabled.push(String(params.id));
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const step = input();
    await run(activities().issueDiscountCode, step);
    await run(activities().disableDiscountCodes, { shopId: 'shop', cartId: step.cartId });
    expect(disabled).toEqual(['shop-code-9']);
    expect((await codeRow(step.key))?.status).toBe('disabled');
  });
});
