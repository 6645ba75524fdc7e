import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createChainStopper } from '../../app/chain-stopper';
import { cartWorkflowId } from '../../domain/ids';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { consumerCampaign } from '../helpers/campaigns';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import type { TestDatabase } from '../helpers/database';
import { useDatabaseAndTemporal } from '../helpers/database-and-temporal';
import { createTestRelay } from '../helpers/outbox-relay';

// `customer.consent_updated` on POST /webhooks/cart, as a shop backend posts it when a customer
// ticks or unticks "newsletter" in their account: real Postgres and the real Temporal dev server
// (no worker: what is stored and which running workflows are signalled counts).
const shopId = 'shop-consent-webhook';

let database: TestDatabase;
let client: Client;
useDatabaseAndTemporal((opened) => ({ database, client } = opened));

function appUnderTest() {
  const workflows = createCartWorkflows({
    client,
    taskQueue: 'consent-webhook-test-no-worker',
    abandonAfterMs: 3_600_000,
    campaigns: [consumerCampaign()],
  });
  const relay = createTestRelay({ db: database.db, workflows });
  const app = createApp({
    db: database.db,
    workflows,
    relay,
    config: { shopId, webhookSecret: TEST_SECRET, webhookMaxBytes: 64 * 1024, webhookToleranceMs: 300_000 },
    chains: createChainStopper({ db: database.db, client }),
    logger: pino({ level: 'silent' }),
  });
  return { app, relay };
}

const newEmail = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.com`;

function consentEvent(email: string, marketingConsent: boolean, updatedAt?: string) {
  return {
    id: `evt-${randomUUID()}`,
    type: 'customer.consent_updated',
    data: { customer: { email }, marketingConsent, ...(updatedAt ? { updatedAt } : {}) },
  };
}

async function post(body: unknown) {
  const response = await appUnderTest().app.request('/webhooks/cart', signedRequest(body));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A cart of this customer whose workflow runs (started through the outbox, as the server's relay does). */
async function runningCartOf(email: string, marketingConsent = true): Promise<string> {
  const { app, relay } = appUnderTest();
  const cart = cartUpdatedEvent({ customer: { email, name: 'Zoë O’Brien & Søn', marketingConsent } });
  expect((await app.request('/webhooks/cart', signedRequest(cart))).status).toBe(202);
  await relay.deliver();
  return cart.data.id;
}

async function signalsOf(cartId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(cartWorkflowId({ shopId, cartId })).fetchHistory();
  return (history.events ?? []).flatMap((event) => event.workflowExecutionSignaledEventAttributes?.signalName ?? []);
}

const consentOf = async (email: string) =>
  (await database.sql`select marketing_consent from customers where shop_id = ${shopId} and email = ${email}`)[0]
    ?.marketing_consent;

describe('POST /webhooks/cart: customer.consent_updated', () => {
  it('a withdrawal is stored and stops the customer’s running chain at once', async () => {
    const email = newEmail('withdraws');
    const cartId = await runningCartOf(email);
    const event = consentEvent(email, false);
    expect(await post(event)).toEqual({ status: 200, body: { status: 'consent_withdrawn', eventId: event.id } });
    expect(await consentOf(email)).toBe(false);
    expect(await signalsOf(cartId)).toEqual(['stopChain']);
  });

  it('a grant is stored and tells the running chain, so a step waiting for consent goes out now', async () => {
    const email = newEmail('grants');
    const cartId = await runningCartOf(email, false);
    const event = consentEvent(email, true);
    expect(await post(event)).toEqual({ status: 200, body: { status: 'consent_given', eventId: event.id } });
    expect(await consentOf(email)).toBe(true);
    expect(await signalsOf(cartId)).toEqual(['consentGiven']);
  });

  it('an older change delivered late does not undo a newer one; the same change again applies again', async () => {
    const email = newEmail('reordered');
    await runningCartOf(email);
    // After the cart's own consent (dated by its updatedAt, now).
    const newer = consentEvent(email, false, new Date(Date.now() + 1_000).toISOString());
    expect((await post(newer)).body.status).toBe('consent_withdrawn');
    // Half a second before it, written in Moscow time: compared as instants, not as text.
    const olderInstant = new Date(Date.parse(newer.data.updatedAt!) - 500 + 3 * 3_600_000);
    const older = consentEvent(email, true, olderInstant.toISOString().replace('Z', '+03:00'));
    expect(await post(older)).toEqual({
      status: 200,
      body: { status: 'ignored', reason: 'superseded', eventId: older.id },
    });
    expect(await consentOf(email)).toBe(false);
    expect((await post(newer)).body.status).toBe('consent_withdrawn');
  });

  it('a withdrawal for an address not on file is kept, so a later-delivered older opt-in cannot undo it', async () => {
    const email = newEmail('not-on-file');
    const withdrawal = consentEvent(email, false, '2026-12-01T12:00:00Z');
    expect((await post(withdrawal)).body).toEqual({ status: 'unknown_customer', eventId: withdrawal.id });
    expect(await consentOf(email)).toBe(false);
    expect((await post(consentEvent(email, true, '2026-12-01T11:59:59Z'))).body.reason).toBe('superseded');
    expect(await consentOf(email)).toBe(false);
  });

  it('bad input: a 400 naming each field, nothing stored; an unsigned one: a 401', async () => {
    const email = newEmail('refused');
    const valid = consentEvent(email, false);
    const refusals: Array<[unknown, string]> = [
      [{ ...valid, data: { customer: { email } } }, 'data.marketingConsent'],
      [{ ...valid, data: { ...valid.data, marketingConsent: 'no' } }, 'data.marketingConsent'],
      [{ ...valid, data: { ...valid.data, customer: { email: 'not an address' } } }, 'data.customer.email'],
      [{ ...valid, data: { ...valid.data, updatedAt: 'yesterday' } }, 'data.updatedAt'],
      [{ ...valid, data: { ...valid.data, updatedAt: '+275760-09-13T00:00:00Z' } }, 'data.updatedAt'],
      [{ ...valid, id: undefined }, 'id'],
    ];
    for (const [body, field] of refusals) {
      const { status, body: answer } = await post(body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(answer.error).toBe('invalid_payload');
      expect((answer.issues as Array<{ path: string }>).map((issue) => issue.path)).toContain(field);
    }
    const unsigned = await appUnderTest().app.request('/webhooks/cart', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(valid),
    });
    expect(unsigned.status).toBe(401);
    expect(await consentOf(email)).toBeUndefined();
  });
});
