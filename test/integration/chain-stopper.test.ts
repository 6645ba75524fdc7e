import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createChainStopper } from '../../app/chain-stopper';
import { Campaign } from '../../domain/campaign';
import { cartWorkflowId, journeyWorkflowId } from '../../domain/ids';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { TEST_SECRET, cartUpdatedEvent, orderPlacedEvent, signedRequest } from '../helpers/cart-events';
import { consumerCampaign, welcomeCampaign } from '../helpers/campaigns';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createOutboxRelay } from '../../server/outbox-relay';

// Real Postgres and the real Temporal dev server, and no worker: every workflow the webhooks start
// stays running, before any step, the case where no chain row exists yet to find it by.
const shopId = `shop-stopper-${randomUUID().slice(0, 8)}`;
const taskQueue = `stopper-${randomUUID()}`;
const postPurchase = Campaign.parse({
  id: 'post-purchase',
  version: 1,
  name: 'Post-purchase',
  priority: 1,
  trigger: 'order.placed',
  audience: 'everyone',
  steps: [{ id: 'review', delay: '7d', template: 'cart-reminder' }],
});

let database: TestDatabase;
let connection: Connection;
let client: Client;
let app: ReturnType<typeof createApp>;
let relay: ReturnType<typeof createOutboxRelay>;

beforeAll(async () => {
  database = await createTestDatabase();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  const workflows = createCartWorkflows({
    client,
    taskQueue,
    abandonAfterMs: 3_600_000,
    campaigns: [
      consumerCampaign(),
      welcomeCampaign({ steps: [{ id: 'w', delay: '2d', template: 'cart-reminder' }] }),
      postPurchase,
    ],
  });
  const logger = pino({ level: 'silent' });
  relay = createOutboxRelay({ db: database.db, workflows, logger });
  app = createApp({
    db: database.db,
    workflows,
    relay,
    config: { shopId, webhookSecret: TEST_SECRET, webhookMaxBytes: 64 * 1024, webhookToleranceMs: 300_000 },
    logger,
  });
});
afterAll(async () => {
  await connection?.close();
  await database?.drop();
});

/** Posts a person's signup, a waiting cart and an order; returns the workflows that started. */
async function personWithWorkflows(email: string) {
  const customerId = `cust-${randomUUID().slice(0, 8)}`;
  const signup = {
    id: `evt-${randomUUID()}`,
    type: 'customer.created',
    data: {
      customer: { id: customerId, email: email.toUpperCase(), marketingConsent: true },
      welcomeUrl: 'https://shop.example.com/welcome',
    },
  };
  const cart = cartUpdatedEvent({ customer: { email } });
  const placed = orderPlacedEvent({ cartId: `bought-${randomUUID().slice(0, 8)}` });
  const order = {
    ...placed,
    data: {
      ...placed.data,
      customer: { email, marketingConsent: true },
      items: [{ sku: 'TEE', name: 'T-shirt', quantity: 1, unitPrice: '19.90' }],
      orderUrl: 'https://shop.example.com/orders/1',
    },
  };
  for (const event of [signup, cart, order]) {
    const response = await app.request('/webhooks/cart', signedRequest(event));
    expect(response.status, await response.clone().text()).toBe(202);
  }
  // The webhooks only stored the events: let the outbox relay start the workflows, as a server's would.
  await relay.drain();
  return {
    welcome: journeyWorkflowId({ shopId, trigger: 'customer.created', subjectId: customerId }),
    cart: cartWorkflowId({ shopId, cartId: cart.data.id }),
    postPurchase: journeyWorkflowId({ shopId, trigger: 'order.placed', subjectId: order.data.orderId }),
  };
}

async function stopSignalsOf(workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((event) => event.workflowExecutionSignaledEventAttributes)
    .filter((signal) => signal?.signalName === 'stopChain')
    .map((signal) => JSON.stringify(signal?.input?.payloads?.map((p) => Buffer.from(p.data ?? []).toString())));
}

describe('stopping every running workflow of an address', () => {
  it('finds journeys and carts that have not run a step yet, and leaves other people alone', async () => {
    const email = `ivy.${randomUUID().slice(0, 6)}@example.com`;
    const mine = await personWithWorkflows(email);
    const other = await personWithWorkflows(`jon.${randomUUID().slice(0, 6)}@example.com`);

    const stopped = await createChainStopper({ db: database.db, client }).stopChainsOf({
      shopId,
      email,
      reason: 'erased',
    });

    expect(stopped.sort()).toEqual([mine.cart, mine.postPurchase, mine.welcome].sort());
    for (const workflowId of Object.values(mine)) {
      expect(await stopSignalsOf(workflowId), workflowId).toEqual([expect.stringContaining('erased')]);
    }
    for (const workflowId of Object.values(other)) expect(await stopSignalsOf(workflowId), workflowId).toEqual([]);
  });

  it('finds them when the shop wrote the address in another spelling (Unicode domain, capitals)', async () => {
    const local = `zoe.${randomUUID().slice(0, 6)}`;
    const mine = await personWithWorkflows(`${local}@Bücher.example`);
    const stopped = await createChainStopper({ db: database.db, client }).stopChainsOf({
      shopId,
      email: `${local}@xn--bcher-kva.example`,
      reason: 'unsubscribed',
    });
    expect(stopped.sort()).toEqual([mine.cart, mine.postPurchase, mine.welcome].sort());
  });

  it('a category opt-out stops only the workflows of its triggers', async () => {
    const email = `kai.${randomUUID().slice(0, 6)}@example.com`;
    const mine = await personWithWorkflows(email);
    const stopped = await createChainStopper({ db: database.db, client }).stopChainsOf({
      shopId,
      email,
      triggers: ['customer.created'],
      reason: 'category_opt_out',
    });
    expect(stopped).toEqual([mine.welcome]);
    expect(await stopSignalsOf(mine.cart)).toEqual([]);
    expect(await stopSignalsOf(mine.postPurchase)).toEqual([]);
  });
});
