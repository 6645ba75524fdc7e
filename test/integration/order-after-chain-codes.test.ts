import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, afterEach, describe, expect, it } from 'vitest';
import { createShopDiscountApi } from '../../activities/discounts/shop-api';
import { templatesDir } from '../../app/services';
import { storeCartEvent } from '../../db/cart-store';
import { CartEvent } from '../../domain/events';
import { cartWorkflowId } from '../../domain/ids';
import { createSmtpMailer } from '../../mail/mailer';
import { createTemplateRenderer } from '../../mail/template-renderer';
import { type CartWorkflows, createCartWorkflows } from '../../server/cart-workflows';
import { consumerCampaign } from '../helpers/campaigns';
import { cartUpdatedEvent, orderPlacedEvent } from '../helpers/cart-events';
import type { TestDatabase } from '../helpers/database';
import { useDatabaseAndTemporal } from '../helpers/database-and-temporal';
import { eventually } from '../helpers/eventually';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { createTestRelay } from '../helpers/outbox-relay';
import { type TestWorker, startTestWorker } from '../helpers/test-worker';

// QA found codes left `active` after the cart was bought: the order arrived after the cart's chain
// had finished, so no chain was there to disable them. Real Postgres, the real Temporal dev server
// and worker, a real SMTP server; msw plays the shop's discount API (a third party).
const shopId = 'shop-late-order';
const taskQueue = `late-order-${randomUUID()}`;
const SHOP = 'https://shop.example.com/api';
const campaign = consumerCampaign({
  steps: [
    {
      id: 'incentive',
      delay: '0s',
      template: 'cart-reminder',
      incentive: { type: 'percent', value: 10, validFor: '3d' },
    },
  ],
});

const shop = setupServer();
/** External ids the shop was asked to disable, in order. */
let disabledAtShop: string[] = [];
/** How many disable calls the shop answers 503 before it recovers. */
let shopDownFor = 0;
let database: TestDatabase;
let client: Client;
useDatabaseAndTemporal((opened) => ({ database, client } = opened));
let smtp: MailCatcher;
let worker: TestWorker;
let workflows: CartWorkflows;
let relay: ReturnType<typeof createTestRelay>;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  shop.listen({ onUnhandledRequest: 'error' });
  closers.push(() => shop.close());
  smtp = await startMailCatcher();
  closers.push(() => smtp.close());
  const mailer = createSmtpMailer({ url: smtp.url, from: 'Shop <shop@mail.example.com>' });
  closers.push(() => mailer.close());
  worker = await startTestWorker({
    taskQueue,
    deps: {
      db: database.db,
      mailer,
      templates: createTemplateRenderer({ dir: templatesDir }),
      messageIdDomain: 'mail.example.com',
      postalAddress: '1 Shop Street, Springfield',
      shopApi: createShopDiscountApi({ baseUrl: SHOP, token: 'shop-token', timeoutMs: 2_000 }),
    },
  });
  closers.push(() => worker.shutdown());
  workflows = createCartWorkflows({ client, taskQueue, abandonAfterMs: 300, campaigns: [campaign] });
  relay = createTestRelay({ db: database.db, workflows });
}, 120_000);
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});
afterEach(() => {
  disabledAtShop = [];
  shopDownFor = 0;
});

beforeAll(() => {
  let created = 0;
  shop.use(
    http.post(`${SHOP}/discount-codes`, () => HttpResponse.json({ id: `shop-code-${++created}` }, { status: 201 })),
    http.post(`${SHOP}/discount-codes/:id/disable`, ({ params }) => {
      if (shopDownFor > 0) {
        shopDownFor -= 1;
        return new HttpResponse(null, { status: 503 });
      }
      disabledAtShop.push(String(params.id));
      return new HttpResponse(null, { status: 204 });
    }),
  );
});

async function store(event: unknown, by = relay): Promise<void> {
  const parsed = CartEvent.parse(event);
  expect((await storeCartEvent(database.db, { shopId, event: parsed, payload: event })).kind).toBe('new');
  await by.deliver();
}

/** A cart whose one-step chain sent its incentive code and then completed; returns the code's row. */
async function cartWithFinishedChain() {
  const cartId = `cart-${randomUUID().slice(0, 8)}`;
  // A customer of its own: the campaign's re-entry cooldown would keep a second chain of one out.
  await store(cartUpdatedEvent({ cartId, customer: { email: `${cartId}@example.com` } }));
  const outcome = await client.workflow.getHandle(cartWorkflowId({ shopId, cartId })).result();
  expect(outcome).toBe('completed');
  const [code] = await codesOf(cartId);
  expect(code).toMatchObject({ status: 'active', disabled_at: null });
  return { cartId, code: code! };
}

const codesOf = (cartId: string) =>
  database.sql<{ code: string; status: string; external_id: string | null; disabled_at: Date | null }[]>`
    select code, status, external_id, disabled_at from discount_codes where shop_id = ${shopId} and cart_id = ${cartId}`;

describe('an order for a cart whose chain has finished', () => {
  it('disables the cart’s live code, in cartflow and at the shop', async () => {
    const { cartId, code } = await cartWithFinishedChain();

    await store(orderPlacedEvent({ cartId }));

    await eventually(async () => {
      const [row] = await codesOf(cartId);
      expect(row).toMatchObject({ code: code.code, status: 'disabled', disabled_at: expect.any(Date) });
    }, 60_000);
    expect(disabledAtShop).toEqual([code.external_id]);
  }, 120_000);

  it('leaves the code the order used marked used, and asks the shop to disable nothing', async () => {
    const { cartId, code } = await cartWithFinishedChain();

    const order = orderPlacedEvent({ cartId });
    await store({ ...order, data: { ...order.data, discountCodes: [code.code] } });

    const [row] = await codesOf(cartId);
    expect(row).toMatchObject({ status: 'used', disabled_at: null });
    expect(disabledAtShop).toEqual([]);
  }, 120_000);

  it('while the shop’s API is down, keeps trying until the shop has disabled the code', async () => {
    const { cartId, code } = await cartWithFinishedChain();
    shopDownFor = 2;

    await store(orderPlacedEvent({ cartId }));

    await eventually(async () => {
      const [row] = await codesOf(cartId);
      expect(row?.status).toBe('disabled');
    }, 90_000);
    expect(shopDownFor).toBe(0);
    expect(disabledAtShop).toEqual([code.external_id]);
  }, 150_000);

  it('while Temporal cannot start the disabling, the order stays in the outbox and is delivered later', async () => {
    const { cartId, code } = await cartWithFinishedChain();
    let temporalDown = true;
    const flaky = createTestRelay({
      db: database.db,
      workflows: {
        ...workflows,
        disableCartCodes: (shop, cart) =>
          temporalDown ? Promise.reject(new Error('Temporal unreachable')) : workflows.disableCartCodes(shop, cart),
      },
    });

    await expect(store(orderPlacedEvent({ cartId }), flaky)).rejects.toThrow(/could not deliver 1/);
    expect((await codesOf(cartId))[0]?.status).toBe('active');
    temporalDown = false;

    // The relay retries the event after its backoff.
    await eventually(() => flaky.deliver(), 30_000);
    await eventually(async () => expect((await codesOf(cartId))[0]?.status).toBe('disabled'), 60_000);
    expect(disabledAtShop).toEqual([code.external_id]);
  }, 150_000);
});
