import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCampaigns } from '../../campaigns/load';
import type { Campaign } from '../../domain/campaign';
import { newestVersions } from '../../domain/campaign-versions';
import { stopChainSignal } from '../../workflows/definitions';
import { startTimeSkippingWorkflows } from '../helpers/time-skipping-workflows';
import { cartUpdatedEvent } from '../helpers/cart-events';
import { createChainHarness } from '../helpers/chain-harness';

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
