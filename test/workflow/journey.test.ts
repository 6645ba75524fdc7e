import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCampaigns } from '../../campaigns/load';
import type { Campaign } from '../../domain/campaign';
import { newestVersions } from '../../domain/campaign-versions';
import type { ChainStepResult } from '../../domain/chain';
import { consentGivenSignal, stopChainSignal } from '../../workflows/definitions';
import { startTimeSkippingWorkflows } from '../helpers/time-skipping-workflows';
import { cartUpdatedEvent } from '../helpers/cart-events';
import { type Decide, createChainHarness } from '../helpers/chain-harness';
import { eventually } from '../helpers/eventually';

// The shipped campaign files, on the time-skipping server: weeks pass in a second.
const DAY = 86_400_000;
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let campaigns: Campaign[];
const started = new Set<string>();

beforeAll(async () => {
  [[env, bundle], campaigns] = await Promise.all([startTimeSkippingWorkflows(), loadCampaigns().then(newestVersions)]);
});
afterAll(async () => {
  await env?.teardown();
});
afterEach(async () => {
  for (const id of started)
    await env.client.workflow
      .getHandle(id)
      .terminate('test finished')
      .catch(() => undefined);
  started.clear();
});

const harness = () => createChainHarness({ env, bundle, campaigns, abandonAfterMs: 3_600_000, started });
const customer = (extra: Record<string, unknown> = {}) => ({
  id: `cust-${Math.random().toString(36).slice(2, 8)}`,
  email: 'new@example.com',
  name: 'Nia',
  marketingConsent: true,
  ...extra,
});

describe('journeys (time-skipping server, shipped campaigns)', () => {
  it('a new customer gets the welcome series at 0, +2 and +5 days', async () => {
    const h = await harness();
    await h.worker.runUntil(async () => {
      const ids = await h.startJourneys({
        id: `evt-${Date.now()}`,
        type: 'customer.created',
        data: { customer: customer(), welcomeUrl: 'https://shop.example.com/welcome' },
      });
      expect(ids).toHaveLength(1);
      expect(ids[0]).toMatch(/^journey:shop-test:customer\.created:cust-/);
      expect(await env.client.workflow.getHandle(ids[0] as string).result()).toBe('completed');
    });
    expect(h.steps.map((step) => step.input.campaign.steps[step.input.stepIndex]?.id)).toEqual([
      'welcome',
      'getting-started',
      'first-order',
    ]);
    expect(h.steps.map((step) => Math.round(step.atMs / DAY))).toEqual([0, 2, 5]);
    expect(h.steps[0]?.input.cart.items).toEqual([]);
  });

  it('a B2B order of consumables brings a re-order reminder 30 days later, then the manager', async () => {
    const h = await harness();
    await h.worker.runUntil(async () => {
      const ids = await h.startJourneys({
        id: `evt-${Date.now()}`,
        type: 'order.placed',
        data: {
          cartId: 'cart-b2b-1',
          orderId: `order-${Date.now()}`,
          total: '480',
          currency: 'EUR',
          customer: customer({ b2b: true }),
          items: [{ sku: 'TONER-1', name: 'Toner', quantity: 4, unitPrice: '120', categories: ['consumables'] }],
          reorderUrl: 'https://shop.example.com/reorder/1',
        },
      });
      // No post-purchase journey for a business buyer (its audience is b2b: false).
      expect(ids).toEqual([expect.stringMatching(/^journey:shop-test:reorder\.due:order-/)]);
      expect(await env.client.workflow.getHandle(ids[0] as string).result()).toBe('completed');
    });
    expect(h.steps.map((step) => Math.round(step.atMs / DAY))).toEqual([30, 33]);
    expect(h.steps[0]?.input.cart.recoveryUrl).toBe('https://shop.example.com/reorder/1');
  });

  it('a consumer order gets the post-purchase follow-up; a stop signal ends it', async () => {
    const h = await harness();
    await h.worker.runUntil(async () => {
      const ids = await h.startJourneys({
        id: `evt-${Date.now()}`,
        type: 'order.placed',
        data: {
          cartId: 'cart-b2c-1',
          orderId: `order-${Date.now()}`,
          total: '39.80',
          currency: 'EUR',
          customer: customer(),
          items: [{ sku: 'TEE', name: 'T-shirt', quantity: 2, unitPrice: '19.90' }],
          orderUrl: 'https://shop.example.com/orders/1',
        },
      });
      expect(ids).toEqual([expect.stringMatching(/^journey:shop-test:order\.placed:order-/)]);
      const handle = env.client.workflow.getHandle(ids[0] as string);
      await env.sleep(8 * DAY);
      await handle.signal(stopChainSignal, { reason: 'unsubscribed' });
      expect(await handle.result()).toBe('stopped');
    });
    expect(h.steps).toHaveLength(1);
    expect(Math.round(h.steps[0]!.atMs / DAY)).toBe(7);
  });

  it('the same event twice starts one journey', async () => {
    const h = await harness();
    const event = {
      id: `evt-${Date.now()}`,
      type: 'customer.created',
      data: { customer: customer(), welcomeUrl: 'https://shop.example.com/welcome' },
    };
    await h.worker.runUntil(async () => {
      const first = await h.startJourneys(event);
      const second = await h.startJourneys(event);
      expect(second).toEqual(first);
      const description = await env.client.workflow.getHandle(first[0] as string).describe();
      expect(description.status.name).toBe('RUNNING');
    });
  });

  it('each workflow pins only the campaigns of its own trigger in its input', async () => {
    const h = await harness();
    const cartId = `pinned-${Date.now()}`;
    const triggersInInput = async (workflowId: string) => {
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      const [input] = (started?.input?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p));
      return [...new Set((input as { campaigns: Campaign[] }).campaigns.map((campaign) => campaign.trigger))];
    };
    await h.worker.runUntil(async () => {
      const [welcomeId] = await h.startJourneys({
        id: `evt-${cartId}`,
        type: 'customer.created',
        data: { customer: customer(), welcomeUrl: 'https://shop.example.com/welcome' },
      });
      await h.deliver(cartUpdatedEvent({ cartId }));
      expect(new Set(campaigns.map((campaign) => campaign.trigger)).size).toBeGreaterThan(2);
      expect(await triggersInInput(h.handleFor(cartId).workflowId)).toEqual(['cart.abandoned']);
      expect(await triggersInInput(welcomeId as string)).toEqual(['customer.created']);
    });
  });
});

// Shopify reports a sign-up's consent in a webhook of its own, after customers/create: the welcome
// step defers for CONSENT_GRACE, and the consent webhook signals the journey so it need not wait it out.
describe('consent given while the welcome waits for it (time-skipping server)', () => {
  const GRACE = 5 * 60_000;
  const welcomeEvent = () => ({
    id: `evt-${Math.random().toString(36).slice(2)}`,
    type: 'customer.created',
    data: { customer: customer({ marketingConsent: false }), welcomeUrl: 'https://shop.example.com/welcome' },
  });
  /** The first call defers for consent until the grace's end; later ones send. */
  const deferFirst =
    (first: () => ChainStepResult | Promise<ChainStepResult> = () => awaitingConsent(0)): Decide =>
    (_input, call, serverNow) =>
      call === 1 ? first() : { status: 'sent' };
  const awaitingConsent = (fromMs: number): ChainStepResult => ({
    status: 'deferred',
    until: fromMs + GRACE,
    reason: 'awaiting_consent',
  });

  it("the step runs again at once, not at the grace's end", async () => {
    let serverStart = 0;
    const h = await createChainHarness(
      { env, bundle, campaigns, abandonAfterMs: 3_600_000, started },
      deferFirst(() => awaitingConsent(serverStart)),
    );
    serverStart = await env.currentTimeMs();
    await h.worker.runUntil(async () => {
      const [id] = await h.startJourneys(welcomeEvent());
      await eventually(() => expect(h.steps).toHaveLength(1));
      await env.client.workflow.getHandle(id as string).signal(consentGivenSignal);
      await eventually(() => expect(h.steps).toHaveLength(2));
    });
    expect(h.steps.map((step) => step.input.stepIndex)).toEqual([0, 0]);
    expect(h.steps[1]!.atMs).toBeLessThan(GRACE / 2);
    // Its links count from when it went out, not from the grace's end.
    expect(h.steps[1]!.input.dueAt).toBeLessThan(serverStart + GRACE / 2);
  });

  it('a consent that comes while the step is still deciding wakes it as soon as it defers', async () => {
    let release: (result: ChainStepResult) => void = () => undefined;
    const h = await createChainHarness(
      { env, bundle, campaigns, abandonAfterMs: 3_600_000, started },
      deferFirst(() => new Promise((resolve) => (release = resolve))),
    );
    await h.worker.runUntil(async () => {
      const serverStart = await env.currentTimeMs();
      const [id] = await h.startJourneys(welcomeEvent());
      await eventually(() => expect(h.steps).toHaveLength(1));
      await env.client.workflow.getHandle(id as string).signal(consentGivenSignal);
      release(awaitingConsent(serverStart));
      await eventually(() => expect(h.steps).toHaveLength(2));
    });
    expect(h.steps[1]!.atMs).toBeLessThan(GRACE / 2);
  });

  it("a consent during a step's own delay does not bring the next step forward", async () => {
    const h = await createChainHarness({ env, bundle, campaigns, abandonAfterMs: 3_600_000, started });
    await h.worker.runUntil(async () => {
      const [id] = await h.startJourneys(welcomeEvent());
      await eventually(() => expect(h.steps).toHaveLength(1));
      const handle = env.client.workflow.getHandle(id as string);
      await handle.signal(consentGivenSignal);
      expect(await handle.result()).toBe('completed');
    });
    expect(h.steps.map((step) => Math.round(step.atMs / DAY))).toEqual([0, 2, 5]);
  });
});
