import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type IssueDiscountCodeInput, createDiscountActivities } from '../../activities/discounts';
import { createShopifyDiscountApi } from '../../activities/discounts/shopify-discounts';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { activityEnvironment } from '../helpers/test-logger';

// Shopify's Admin GraphQL API is a third party: msw plays it, with bodies shaped as shopify.dev
// documents them (data + userErrors, top-level extensions.cost). Postgres is real.
const SHOP_DOMAIN = 'cartflow-test.myshopify.com';
const GRAPHQL = `https://${SHOP_DOMAIN}/admin/api/2025-10/graphql.json`;
const shopify = setupServer();
let database: TestDatabase;

beforeAll(async () => {
  shopify.listen({ onUnhandledRequest: 'error' });
  database = await createTestDatabase();
});
afterEach(() => shopify.resetHandlers());
afterAll(async () => {
  shopify.close();
  await database?.drop();
});

const refused: Array<{ externalId: string; errors: string }> = [];
const api = createShopifyDiscountApi({
  shopDomain: SHOP_DOMAIN,
  accessToken: 'shpat_test_token',
  apiVersion: '2025-10',
  timeoutMs: 1000,
  now: () => new Date('2026-11-23T12:00:00Z'),
  onDeactivateRefused: (info) => refused.push(info),
});
const activities = () =>
  createDiscountActivities({ db: database.db, shopApi: api, now: () => new Date('2026-11-23T12:00:00Z') });
const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  activityEnvironment().run(fn, ...args) as Promise<R>;

function input(overrides: Partial<IssueDiscountCodeInput> = {}): IssueDiscountCodeInput {
  const cartId = `checkout-${randomUUID().slice(0, 8)}`;
  return {
    key: `cart:shop:${cartId}:incentive`,
    shopId: 'shop',
    cartId,
    customerId: null,
    customerEmail: "o'brien@example.com",
    shopCustomerId: '207119551',
    currency: 'EUR',
    incentive: { type: 'percent', value: '15', validForMs: 3 * 24 * 3600 * 1000 },
    ...overrides,
  };
}

const cost = (currentlyAvailable: number, requestedQueryCost = 10) => ({
  cost: {
    requestedQueryCost,
    actualQueryCost: requestedQueryCost,
    throttleStatus: { maximumAvailable: 2000.0, currentlyAvailable, restoreRate: 100.0 },
  },
});

const created = (id: string) =>
  HttpResponse.json({
    data: { discountCodeBasicCreate: { codeDiscountNode: { id }, userErrors: [] } },
    extensions: cost(1990),
  });

interface GraphqlRequest {
  query: string;
  variables: Record<string, unknown>;
  token: string | null;
}

/** Answers each request with the next handler's response and records what was asked. */
function graphql(...answers: Array<(request: GraphqlRequest) => Response>) {
  const seen: GraphqlRequest[] = [];
  shopify.use(
    http.post(GRAPHQL, async ({ request }) => {
      const body = (await request.json()) as { query: string; variables: Record<string, unknown> };
      const entry = { ...body, token: request.headers.get('x-shopify-access-token') };
      seen.push(entry);
      const answer = answers[Math.min(seen.length, answers.length) - 1];
      if (!answer) throw new Error('no answer');
      return answer(entry);
    }),
  );
  return seen;
}

const codeRow = async (key: string) =>
  (await database.sql`select code, status, source, external_id from discount_codes where key = ${key}`)[0];

describe('incentive codes made in Shopify', () => {
  it('creates a single-use, once-per-customer code for that customer alone, ending at its expiry', async () => {
    const seen = graphql(() => created('gid://shopify/DiscountCodeNode/1057371220'));
    const step = input();
    const issued = await run(activities().issueDiscountCode, step);

    expect(seen).toHaveLength(1);
    expect(seen[0]?.token).toBe('shpat_test_token');
    expect(seen[0]?.query).toContain('discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount)');
    expect(seen[0]?.variables).toEqual({
      basicCodeDiscount: {
        title: `cartflow ${step.key}`,
        code: issued.code,
        startsAt: '2026-11-23T12:00:00.000Z',
        endsAt: '2026-11-26T12:00:00.000Z',
        usageLimit: 1,
        appliesOncePerCustomer: true,
        customerSelection: { customers: { add: ['gid://shopify/Customer/207119551'] } },
        customerGets: { value: { percentage: 0.15 }, items: { all: true } },
      },
    });
    // The title is what the merchant sees in Shopify's admin: no address in it.
    expect(JSON.stringify(seen[0]?.variables)).not.toContain('example.com');
    expect(await codeRow(step.key)).toMatchObject({
      code: issued.code,
      status: 'active',
      source: 'shop_api',
      external_id: 'gid://shopify/DiscountCodeNode/1057371220',
    });
  });

  it('a fixed amount for a guest checkout is open to whoever holds the code', async () => {
    const seen = graphql(() => created('gid://shopify/DiscountCodeNode/2'));
    const { shopCustomerId: _guest, ...guest } = input({
      incentive: { type: 'fixed', value: '12.50', validForMs: 86_400_000 },
    });
    await run(activities().issueDiscountCode, guest);
    expect(seen[0]?.variables.basicCodeDiscount).toMatchObject({
      customerSelection: { all: true },
      customerGets: { value: { discountAmount: { amount: '12.50', appliesOnEachItem: false } }, items: { all: true } },
    });
  });

  it('free shipping goes through discountCodeFreeShippingCreate', async () => {
    const seen = graphql(() =>
      HttpResponse.json({
        data: {
          discountCodeFreeShippingCreate: {
            codeDiscountNode: { id: 'gid://shopify/DiscountCodeNode/3' },
            userErrors: [],
          },
        },
        extensions: cost(1990),
      }),
    );
    const step = input({ incentive: { type: 'free_shipping', value: '0', validForMs: 86_400_000 } });
    await run(activities().issueDiscountCode, step);
    expect(seen[0]?.query).toContain('discountCodeFreeShippingCreate');
    expect(seen[0]?.variables.freeShippingCodeDiscount).toMatchObject({ usageLimit: 1, destination: { all: true } });
    expect((await codeRow(step.key))?.external_id).toBe('gid://shopify/DiscountCodeNode/3');
  });

  it('deactivates the code in Shopify when the chain ends early', async () => {
    const seen = graphql(
      () => created('gid://shopify/DiscountCodeNode/77'),
      () =>
        HttpResponse.json({
          data: {
            discountCodeDeactivate: {
              codeDiscountNode: { id: 'gid://shopify/DiscountCodeNode/77' },
              userErrors: [],
            },
          },
          extensions: cost(1980),
        }),
    );
    const step = input();
    await run(activities().issueDiscountCode, step);
    expect(await run(activities().disableDiscountCodes, { shopId: 'shop', cartId: step.cartId })).toBe(1);
    expect(seen[1]?.query).toContain('discountCodeDeactivate(id: $id)');
    expect(seen[1]?.variables).toEqual({ id: 'gid://shopify/DiscountCodeNode/77' });
    expect((await codeRow(step.key))?.status).toBe('disabled');
  });

  it('a deactivation Shopify refuses (code deleted by the merchant) is noted, and the row is still disabled', async () => {
    graphql(
      () => created('gid://shopify/DiscountCodeNode/78'),
      () =>
        HttpResponse.json({
          data: {
            discountCodeDeactivate: {
              codeDiscountNode: null,
              userErrors: [{ field: ['id'], code: 'INVALID', message: 'Discount does not exist' }],
            },
          },
          extensions: cost(1980),
        }),
    );
    const step = input();
    await run(activities().issueDiscountCode, step);
    await run(activities().disableDiscountCodes, { shopId: 'shop', cartId: step.cartId });
    expect(refused).toContainEqual({
      externalId: 'gid://shopify/DiscountCodeNode/78',
      errors: 'id: Discount does not exist',
    });
    expect((await codeRow(step.key))?.status).toBe('disabled');
  });

  it('userErrors stop the step for good with Shopify’s words', async () => {
    graphql(() =>
      HttpResponse.json({
        data: {
          discountCodeBasicCreate: {
            codeDiscountNode: null,
            userErrors: [
              {
                field: ['basicCodeDiscount', 'customerGets', 'value', 'percentage'],
                code: 'VALUE_OUTSIDE_RANGE',
                message: 'Value must be between 0.0 and 1.0',
              },
            ],
          },
        },
        extensions: cost(1990),
      }),
    );
    const failure = await run(activities().issueDiscountCode, input()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ nonRetryable: true, type: 'ShopApiRejected' });
    expect((failure as Error).message).toBe(
      'Shopify refused discountCodeBasicCreate: basicCodeDiscount.customerGets.value.percentage: Value must be between 0.0 and 1.0',
    );
  });

  it('THROTTLED waits as long as the bucket needs to refill, then the retry creates the same code', async () => {
    const seen = graphql(
      () =>
        HttpResponse.json({
          errors: [
            {
              message: 'Throttled',
              extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
            },
          ],
          extensions: {
            cost: {
              requestedQueryCost: 752,
              actualQueryCost: null,
              throttleStatus: { maximumAvailable: 1000.0, currentlyAvailable: 166, restoreRate: 50.0 },
            },
          },
        }),
      () => created('gid://shopify/DiscountCodeNode/99'),
    );
    const step = input();
    const failure = await run(activities().issueDiscountCode, step).catch((error: unknown) => error);
    // (752 − 166) / 50 = 11.72 s, rounded up.
    expect(failure).toMatchObject({ nonRetryable: false, type: 'ShopApiUnavailable', nextRetryDelay: 12_000 });
    const issued = await run(activities().issueDiscountCode, step);
    expect(seen).toHaveLength(2);
    expect(seen[1]?.variables).toEqual(seen[0]?.variables);
    expect(issued.code).toBe((seen[0]?.variables.basicCodeDiscount as { code: string }).code);
    expect((await codeRow(step.key))?.external_id).toBe('gid://shopify/DiscountCodeNode/99');
  });

  it('a retry after a lost answer finds the code the first attempt made instead of failing on "taken"', async () => {
    const seen = graphql(
      () => HttpResponse.text('upstream timeout', { status: 502 }),
      () =>
        HttpResponse.json({
          data: {
            discountCodeBasicCreate: {
              codeDiscountNode: null,
              userErrors: [{ field: ['basicCodeDiscount', 'code'], code: 'TAKEN', message: 'Code must be unique.' }],
            },
          },
          extensions: cost(1990),
        }),
      () =>
        HttpResponse.json({
          data: { codeDiscountNodeByCode: { id: 'gid://shopify/DiscountCodeNode/5' } },
          extensions: cost(1989, 1),
        }),
    );
    const step = input();
    const failure = await run(activities().issueDiscountCode, step).catch((error: unknown) => error);
    expect(failure).toMatchObject({ nonRetryable: false, type: 'ShopApiUnavailable' });
    await run(activities().issueDiscountCode, step);
    expect(seen[2]?.query).toContain('codeDiscountNodeByCode');
    expect((await codeRow(step.key))?.external_id).toBe('gid://shopify/DiscountCodeNode/5');
  });

  it('a wrong token is a permanent failure naming the API', async () => {
    shopify.use(
      http.post(GRAPHQL, () =>
        HttpResponse.json(
          { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' },
          { status: 401 },
        ),
      ),
    );
    const failure = await run(activities().issueDiscountCode, input()).catch((error: unknown) => error);
    expect(failure).toMatchObject({ nonRetryable: true, type: 'ShopApiRejected' });
    expect((failure as Error).message).toMatch(/Shopify Admin API discountCodeBasicCreate answered 401/);
  });
});
