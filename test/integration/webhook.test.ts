import { createHash } from 'node:crypto';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { cartWorkflowId } from '../../domain/ids';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { createOutboxRelay } from '../../server/outbox-relay';
import { eventually } from '../helpers/eventually';
import { TEST_SECRET, cartUpdatedEvent, orderPlacedEvent, signedRequest } from '../helpers/cart-events';
import { Campaign } from '../../domain/campaign';
import { CartEvent } from '../../domain/events';
import { consumerCampaign } from '../helpers/campaigns';

const welcomeCampaign = Campaign.parse({
  id: 'welcome',
  version: 1,
  name: 'Welcome',
  priority: 1,
  trigger: 'customer.created',
  audience: 'everyone',
  steps: [{ id: 'welcome', delay: '0s', template: 'cart-reminder' }],
});
const postPurchaseCampaign = Campaign.parse({
  id: 'post-purchase',
  version: 1,
  name: 'Post-purchase',
  priority: 1,
  trigger: 'order.placed',
  audience: 'everyone',
  steps: [{ id: 'review', delay: '7d', template: 'cart-reminder' }],
});
import type { TestDatabase } from '../helpers/database';
import { useDatabaseAndTemporal } from '../helpers/database-and-temporal';

// Real Postgres and the real Temporal dev server; no worker: these tests look at what is
// stored and started, not at what the workflow does later.
const shopId = 'shop-webhook';
const taskQueue = 'webhook-test-no-worker';
let database: TestDatabase;
let client: Client;
useDatabaseAndTemporal((opened) => ({ database, client } = opened));

function appWith(temporal: Client = client, campaigns = [consumerCampaign()]) {
  const workflows = createCartWorkflows({ client: temporal, taskQueue, abandonAfterMs: 3_600_000, campaigns });
  const logger = pino({ level: 'silent' });
  const relay = createOutboxRelay({ db: database.db, workflows, logger });
  const app = createApp({
    db: database.db,
    workflows,
    relay,
    config: { shopId, webhookSecret: TEST_SECRET, webhookMaxBytes: 64 * 1024, webhookToleranceMs: 300_000 },
    logger,
  });
  return { app, relay };
}

/** Posts the webhook, then lets the outbox relay deliver what it stored (as a server's relay would at once). */
async function post(init: RequestInit, target = appWith()) {
  const response = await target.app.request('/webhooks/cart', init);
  await target.relay.drain();
  return response;
}
const storedEvents = async (eventId: string) =>
  (await database.sql`select count(*)::int as n from cart_events where event_id = ${eventId}`)[0]?.n as number;
const storedCarts = async (cartId: string) =>
  (await database.sql`select count(*)::int as n from carts where cart_id = ${cartId}`)[0]?.n as number;

async function workflowExists(cartId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(cartWorkflowId({ shopId, cartId })).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

async function expectNothingHappened(event: { id: string; data: { id: string } }) {
  expect(await storedEvents(event.id)).toBe(0);
  expect(await storedCarts(event.data.id)).toBe(0);
  expect(await workflowExists(event.data.id)).toBe(false);
}

describe('POST /webhooks/cart', () => {
  it('accepts a signed cart.updated: 202 with the workflow id, event stored, workflow started', async () => {
    const event = cartUpdatedEvent();
    const response = await post(signedRequest(event));
    expect(response.status).toBe(202);
    const workflowId = cartWorkflowId({ shopId, cartId: event.data.id });
    expect(await response.json()).toEqual({ status: 'accepted', eventId: event.id, workflowId });
    expect(await storedEvents(event.id)).toBe(1);
    const [cart] = await database.sql`select status, currency, total::text from carts where cart_id = ${event.data.id}`;
    expect(cart).toEqual({ status: 'open', currency: 'EUR', total: '52.3000' });
    const description = await client.workflow.getHandle(workflowId).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.type).toBe('abandonedCartWorkflow');
  });

  it('the same event twice: acknowledged again, one event row, one workflow run', async () => {
    const event = cartUpdatedEvent();
    expect((await post(signedRequest(event))).status).toBe(202);
    const again = await post(signedRequest(event));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate', eventId: event.id });
    expect(await storedEvents(event.id)).toBe(1);
    const workflowId = cartWorkflowId({ shopId, cartId: event.data.id });
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    // The first webhook started the workflow with the cart; the repeat reached nothing.
    const started = history.events?.filter((e) => e.workflowExecutionStartedEventAttributes) ?? [];
    const signals = history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes) ?? [];
    expect([started.length, signals.length]).toEqual([1, 0]);
  });

  it('an event id reused for another event is a 409 naming the id: nothing stored, no workflow', async () => {
    const first = cartUpdatedEvent();
    expect((await post(signedRequest(first))).status).toBe(202);
    const reused = cartUpdatedEvent({ eventId: first.id });
    const response = await post(signedRequest(reused));
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: 'event_id_conflict',
      message: `event id ${first.id} was already used for a different event; give every event its own id`,
    });
    const [row] = await database.sql`select cart_id from cart_events where event_id = ${first.id}`;
    expect(row?.cart_id).toBe(first.data.id);
    expect(await database.sql`select 1 from carts where cart_id = ${reused.data.id}`).toHaveLength(0);
    const never = client.workflow.getHandle(cartWorkflowId({ shopId, cartId: reused.data.id }));
    await expect(never.describe()).rejects.toThrow(/not found/i);
    // The same event again, its keys in another order, is still the same event.
    const reordered = JSON.stringify({ data: first.data, type: first.type, id: first.id });
    const retry = await post(signedRequest(reordered));
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ status: 'duplicate', eventId: first.id });
  });

  it('a retry serialized again ("39.8" for "39.80", UTC for +01:00, other spacing) is a duplicate, not a 409', async () => {
    const cart = cartUpdatedEvent({ updatedAt: '2026-11-30T18:00:00+01:00' });
    expect((await post(signedRequest(cart))).status).toBe(202);
    const cartRetry = {
      ...cart,
      data: { ...cart.data, total: 52.3, items: cart.data.items, updatedAt: '2026-11-30T17:00:00.000Z' },
    };
    const retried = await post(signedRequest(JSON.stringify(cartRetry, null, 2)));
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ status: 'duplicate', eventId: cart.id });

    const order = orderPlacedEvent({ cartId: cart.data.id });
    const placed = { ...order, data: { ...order.data, total: '52.30', placedAt: '2026-11-30T19:00:00+01:00' } };
    expect((await post(signedRequest(placed))).status).toBe(202);
    const orderRetry = { ...placed, data: { ...placed.data, total: 52.3, placedAt: '2026-11-30T18:00:00Z' } };
    const again = await post(signedRequest(orderRetry));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate', eventId: order.id });
    expect([await storedEvents(cart.id), await storedEvents(order.id)]).toEqual([1, 1]);

    // Really other contents under the same id are still refused.
    const otherTotal = await post(signedRequest({ ...placed, data: { ...placed.data, total: '52.31' } }));
    expect(otherTotal.status).toBe(409);
    const otherInstant = await post(
      signedRequest({ ...cart, data: { ...cart.data, updatedAt: '2026-11-30T18:00:00Z' } }),
    );
    expect(otherInstant.status).toBe(409);
  });

  it('an event stored before canonical hashing: its retry, as sent or written another way, is still a duplicate', async () => {
    const event = cartUpdatedEvent({ updatedAt: '2026-11-30T18:00:00+01:00' });
    expect((await post(signedRequest(event))).status).toBe(202);
    // The hash earlier versions stored: of the validated event as serialized.
    const legacy = createHash('sha256')
      .update(JSON.stringify(CartEvent.parse(event)))
      .digest('hex');
    await database.sql`update cart_events set payload_hash = ${legacy} where event_id = ${event.id}`;
    const asSent = await post(signedRequest(event));
    expect([asSent.status, await asSent.json()]).toEqual([200, expect.objectContaining({ status: 'duplicate' })]);
    const rewritten = { ...event, data: { ...event.data, total: 52.3, updatedAt: '2026-11-30T17:00:00Z' } };
    const again = await post(signedRequest(rewritten));
    expect([again.status, await again.json()]).toEqual([200, expect.objectContaining({ status: 'duplicate' })]);
    const other = await post(signedRequest({ ...event, data: { ...event.data, total: '52.40' } }));
    expect(other.status).toBe(409);
  });

  it('a running cart keeps the campaign version it started with; new carts get the newest', async () => {
    const v1 = appWith(client, [consumerCampaign({ version: 1 })]);
    const v2 = appWith(client, [consumerCampaign({ version: 2 })]);
    const older = cartUpdatedEvent();
    expect((await post(signedRequest(older), v1)).status).toBe(202);
    // The marketer ships version 2; the older cart gets another update through the new config.
    const update = cartUpdatedEvent({ cartId: older.data.id, updatedAt: new Date(Date.now() + 1000).toISOString() });
    expect((await post(signedRequest(update), v2)).status).toBe(202);
    const newer = cartUpdatedEvent();
    expect((await post(signedRequest(newer), v2)).status).toBe(202);

    const campaignOf = async (cartId: string) => {
      const description = await client.workflow.getHandle(cartWorkflowId({ shopId, cartId })).describe();
      return description.searchAttributes.CartflowCampaign;
    };
    expect(await campaignOf(older.data.id)).toEqual(['consumer@1']);
    expect(await campaignOf(newer.data.id)).toEqual(['consumer@2']);
    const history = await client.workflow.getHandle(cartWorkflowId({ shopId, cartId: older.data.id })).fetchHistory();
    const signals = history.events?.filter((event) => event.workflowExecutionSignaledEventAttributes) ?? [];
    expect(signals).toHaveLength(1); // the update reached the running chain, which kept version 1
  });

  it('customer.created starts one welcome journey; a bad one names the field', async () => {
    const app = appWith(client, [consumerCampaign(), welcomeCampaign]);
    const event = {
      id: `evt-${Date.now()}`,
      type: 'customer.created',
      data: {
        customer: { id: `c-${Date.now()}`, email: 'nia@example.com', marketingConsent: true },
        welcomeUrl: 'https://shop.example.com/welcome',
      },
    };
    const response = await post(signedRequest(event), app);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { status: string; journeys: string[] };
    expect(body).toEqual({
      status: 'accepted',
      eventId: event.id,
      journeys: [`journey:${shopId}:customer.created:${event.data.customer.id}`],
    });
    const description = await client.workflow.getHandle(body.journeys[0] as string).describe();
    expect(description.type).toBe('journeyWorkflow');
    expect((await post(signedRequest(event), app)).status).toBe(200);

    const bad = { ...event, id: `${event.id}-bad`, data: { ...event.data, customer: { email: 'x@example.com' } } };
    const refused = await post(signedRequest(bad), app);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toContain(
      'data.customer.id',
    );
  });

  it('an order with its customer and lines marks redeemed codes used and starts the post-purchase journey', async () => {
    const app = appWith(client, [consumerCampaign(), postPurchaseCampaign]);
    await database.sql`insert into discount_codes (key, shop_id, code, type, value, expires_at, source)
      values ('k-used', ${shopId}, 'USEDCODE2345', 'percent', 10, now() + interval '1 day', 'builtin')`;
    const order = {
      ...orderPlacedEvent({ cartId: `cart-${Date.now()}` }),
    };
    const event = {
      ...order,
      data: {
        ...order.data,
        discountCodes: ['USEDCODE2345'],
        customer: { email: 'buyer@example.com', marketingConsent: true },
        items: [{ sku: 'TEE', name: 'T-shirt', quantity: 1, unitPrice: '19.90' }],
        orderUrl: 'https://shop.example.com/orders/77',
      },
    };
    const response = await post(signedRequest(event), app);
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      journeys: [`journey:${shopId}:order.placed:${event.data.orderId}`],
    });
    const [code] = await database.sql`select status, used_by_order_id from discount_codes where code = 'USEDCODE2345'`;
    expect(code).toEqual({ status: 'used', used_by_order_id: event.data.orderId });
  });

  it.each([
    ['покупатель@магазин.рф', 'покупатель@xn--80aairftm.xn--p1ai'],
    ['user+tag@exämple.org', 'user+tag@xn--exmple-cua.org'],
    ['"quoted local"@example.org', '"quoted local"@example.org'],
  ])('accepts the international or quoted address %s and stores the customer as %s', async (email, stored) => {
    const event = cartUpdatedEvent({ customer: { email } });
    const response = await post(signedRequest(event));
    expect(response.status).toBe(202);
    const [row] = await database.sql`select c.email from carts k join customers c on c.id = k.customer_id
      where k.cart_id = ${event.data.id}`;
    expect(row?.email).toBe(stored);
  });

  it('refuses an address without a deliverable domain, saying why', async () => {
    const event = cartUpdatedEvent({ customer: { email: 'postmaster@[123.123.123.123]' } });
    const response = await post(signedRequest(event));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { issues: Array<{ path: string; message: string }> };
    expect(body.issues).toContainEqual({
      path: 'data.customer.email',
      message: 'must be an email address: IP address literals are not accepted; the address needs a domain name',
    });
    await expectNothingHappened(event);
  });

  it('names each bad field in a 400 and stores nothing', async () => {
    const event = cartUpdatedEvent();
    const bad = {
      ...event,
      data: { ...event.data, currency: 'euro', items: [{ sku: 'A', name: 'x', quantity: -1, unitPrice: '1' }] },
    };
    const response = await post(signedRequest(bad));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; issues: Array<{ path: string; message: string }> };
    expect(body.error).toBe('invalid_payload');
    expect(body.issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['data.currency', 'data.items.0.quantity']),
    );
    await expectNothingHappened(event);
  });

  it('refuses a JPY amount with decimals, naming the field: nothing stored, no rounding', async () => {
    const event = cartUpdatedEvent({ items: [{ sku: 'TEA', name: 'Sencha', quantity: 1, unitPrice: '100.50' }] });
    const yen = { ...event, data: { ...event.data, currency: 'JPY', total: '100.50' } };
    const response = await post(signedRequest(yen));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; message: string; issues: unknown[] };
    expect(body.error).toBe('invalid_payload');
    const words = 'has more decimals than JPY allows (0); send the amount as charged, in whole JPY';
    expect(body.issues).toEqual([
      { path: 'data.total', message: `"100.50" ${words}` },
      { path: 'data.items.0.unitPrice', message: `"100.50" ${words}` },
    ]);
    expect(body.message).toContain(`data.total: "100.50" ${words}`);
    await expectNothingHappened(event);
  });

  it('an order is never refused over its precision (the purchase must stop the chain): its revenue is rounded; trailing zeros are exact', async () => {
    const orderRows = async (orderId: string) =>
      database.sql`select currency, total_minor::int as minor from orders where order_id = ${orderId}`;
    const inexact = orderPlacedEvent({ cartId: 'cart-decimals' });
    const kept = await post(signedRequest({ ...inexact, data: { ...inexact.data, total: '19.999' } }));
    expect(kept.status).toBe(202);
    expect(await storedEvents(inexact.id)).toBe(1);
    expect(await orderRows(inexact.data.orderId)).toEqual([{ currency: 'EUR', minor: 2000 }]);

    const exact = orderPlacedEvent({ cartId: 'cart-decimals' });
    const accepted = await post(
      signedRequest({ ...exact, data: { ...exact.data, currency: 'JPY', total: '1000.00' } }),
    );
    expect(accepted.status).toBe(202);
    expect(await orderRows(exact.data.orderId)).toEqual([{ currency: 'JPY', minor: 1000 }]);
  });

  it.each([
    ['not JSON', '{"id": '],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1')],
    // Valid JSON, valid event, but not Unicode text: PostgreSQL refused it (a 500, retried for ever).
    ['an unpaired surrogate escape', JSON.stringify(cartUpdatedEvent({ customer: { name: 'Zoë \ud83d' } }))],
  ])('answers 400, never 500, for %s', async (_label, body) => {
    const response = await post(signedRequest(body));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/^invalid_(json|payload)$/);
  });

  it('a date-time PostgreSQL cannot hold (year 0000, past 9999 in UTC, a +23:59 offset) is a 400 naming the field, not a 500', async () => {
    const cart = cartUpdatedEvent();
    const order = orderPlacedEvent({ cartId: cart.data.id });
    const bodies = [
      ['data.updatedAt', { ...cart, data: { ...cart.data, updatedAt: '0000-01-01T00:00:00Z' } }],
      ['data.updatedAt', { ...cart, data: { ...cart.data, updatedAt: '2026-11-30T18:00:00+23:59' } }],
      ['data.placedAt', { ...order, data: { ...order.data, placedAt: '9999-12-31T23:59:59-12:00' } }],
      ['occurredAt', { ...order, occurredAt: '0001-01-01T00:00:00+14:00' }],
    ] as const;
    for (const [path, body] of bodies) {
      const response = await post(signedRequest(body));
      expect(response.status, path).toBe(400);
      const answer = (await response.json()) as { error: string; issues: Array<{ path: string; message: string }> };
      expect(answer.error).toBe('invalid_payload');
      expect(answer.issues).toEqual([
        { path, message: expect.stringMatching(/^must be an ISO 8601 date-time .*9999/) },
      ]);
    }
    await expectNothingHappened(cart);
    expect(await storedEvents(order.id)).toBe(0);
  });

  it('refuses a missing, wrong or replayed signature with 401 and stores nothing', async () => {
    const event = cartUpdatedEvent();
    const { headers, body } = signedRequest(event);
    const unsigned = await post({ method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: 'missing_signature' });

    const wrongSecret = await post(signedRequest(event, { secret: 'not-the-shared-secret-xyz' }));
    expect(await wrongSecret.json()).toMatchObject({ error: 'bad_signature' });

    const tampered = await post({ method: 'POST', headers, body: (body as string).replace('Ada', 'Eve') });
    expect(tampered.status).toBe(401);

    const replayed = await post(signedRequest(event, { timestampSeconds: Math.floor(Date.now() / 1000) - 600 }));
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ error: 'stale_timestamp' });
    await expectNothingHappened(event);
  });

  it('refuses a body over the size limit with 413 and stores nothing', async () => {
    const event = cartUpdatedEvent({
      items: Array.from({ length: 400 }, (_, i) => ({
        sku: `S${i}`,
        name: 'x'.repeat(200),
        quantity: 1,
        unitPrice: '1',
      })),
    });
    const response = await post(signedRequest(event));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'payload_too_large' });
    await expectNothingHappened(event);
  });

  it('an order for a cart without a chain is stored; a later cart.updated for it starts nothing', async () => {
    const order = orderPlacedEvent({ cartId: `cart-${Date.now()}` });
    const response = await post(signedRequest(order));
    expect(response.status).toBe(202);
    expect(await storedEvents(order.id)).toBe(1);

    const late = cartUpdatedEvent({ cartId: order.data.cartId });
    const lateResponse = await post(signedRequest(late));
    expect(lateResponse.status).toBe(202);
    expect(await lateResponse.json()).toMatchObject({ status: 'ignored', reason: 'cart_purchased' });
    expect(await workflowExists(order.data.cartId)).toBe(false);
  });

  it('when Temporal is unreachable: 202 all the same, the event waits in the outbox and is delivered once it is back', async () => {
    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) });
    const event = cartUpdatedEvent();
    const down = await post(signedRequest(event), appWith(unreachable));
    expect(down.status).toBe(202);
    expect(await down.json()).toMatchObject({ status: 'accepted', eventId: event.id });
    expect(await storedEvents(event.id)).toBe(1);
    expect(await workflowExists(event.data.id)).toBe(false);
    const [queued] = await database.sql`
      select attempts, last_error is not null as failed, delivered_at from outbox where event_id = ${event.id}`;
    expect(queued).toMatchObject({ attempts: 1, failed: true, delivered_at: null });

    // The shop's retry is a duplicate; the relay (Temporal back) delivers the event after its backoff.
    const up = appWith();
    const retry = await post(signedRequest(event), up);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ status: 'duplicate', eventId: event.id });
    await eventually(async () => {
      await up.relay.drain();
      expect(await workflowExists(event.data.id)).toBe(true);
    });
    const [delivered] = await database.sql`
      select o.delivered_at is not null as outbox, e.processed_at is not null as event
        from outbox o join cart_events e using (shop_id, event_id) where event_id = ${event.id}`;
    expect(delivered).toEqual({ outbox: true, event: true });
    expect(await storedEvents(event.id)).toBe(1);
  });
});
