import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { SendCartEmailInput, SendCartEmailResult } from '../../activities';
import { type Cart, CartEvent, type CartUpdatedEvent } from '../../domain/events';
import { cartWorkflowId } from '../../domain/ids';
import { createCartWorkflows } from '../../server/cart-workflows';
import { workflowsPath } from '../../worker';
import { cartStateQuery } from '../../workflows/definitions';
import { cartUpdatedEvent, orderPlacedEvent } from '../helpers/cart-events';
import { eventually } from '../helpers/eventually';

// Day-long chains need the Java time-skipping test server (see scripts/temporal-test-server.sh).
const HOUR = 60 * 60 * 1000;
const shopId = 'shop-test';
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: inject('timeSkippingServerPath') } },
    }),
    bundleWorkflowCode({
      workflowsPath,
      logger: { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} },
    }),
  ]);
});
afterAll(async () => {
  await env?.teardown();
});

/** A worker whose only activity records what it was asked to send. */
async function harness(result: SendCartEmailResult = { status: 'sent' }) {
  const sends: SendCartEmailInput[] = [];
  const taskQueue = `tq-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: {
      async sendCartEmail(input: SendCartEmailInput) {
        sends.push(input);
        return result;
      },
    },
  });
  const workflows = createCartWorkflows({
    client: env.client,
    taskQueue,
    abandonAfterMs: HOUR,
    conversionWindowMs: 5 * 24 * HOUR,
  });
  const deliver = (event: unknown) => workflows.deliver(shopId, CartEvent.parse(event));
  return { worker, sends, deliver };
}

function cartEvent(cartId: string, at: number, items?: unknown[]): CartUpdatedEvent {
  return cartUpdatedEvent({ cartId, updatedAt: new Date(at).toISOString(), items }) as CartUpdatedEvent;
}

const handleFor = (cartId: string) => env.client.workflow.getHandle(cartWorkflowId({ shopId, cartId }));

describe('abandonedCartWorkflow (time-skipping server)', () => {
  it('sends the reminder once the cart has been quiet for the delay, and every update restarts the clock', async () => {
    const { worker, sends, deliver } = await harness();
    const cartId = `c-${randomUUID()}`;
    await worker.runUntil(async () => {
      const t0 = await env.currentTimeMs();
      await deliver(cartEvent(cartId, t0));
      await env.sleep(50 * 60 * 1000);
      await deliver(
        cartEvent(cartId, t0 + 50 * 60 * 1000, [{ sku: 'B', name: 'Boots', quantity: 1, unitPrice: '99' }]),
      );
      await env.sleep(50 * 60 * 1000); // 100 min after the first update, 50 after the last
      expect(sends).toHaveLength(0);
      expect(await handleFor(cartId).query(cartStateQuery)).toMatchObject({
        phase: 'waiting_for_inactivity',
        itemCount: 1,
      });
      await env.sleep(11 * 60 * 1000);
      await eventually(() => expect(sends).toHaveLength(1));
      // The reminder shows the cart as it was last updated.
      expect(sends[0]).toMatchObject({ shopId, cartId, step: 'reminder' });
      expect((sends[0]?.cart as Cart).items.map((item) => item.name)).toEqual(['Boots']);
      expect(await handleFor(cartId).result()).toBe('not_recovered');
    });
    expect(sends).toHaveLength(1);
  });

  it('sends nothing when the order comes before the delay', async () => {
    const { worker, sends, deliver } = await harness();
    const cartId = `c-${randomUUID()}`;
    await worker.runUntil(async () => {
      await deliver(cartEvent(cartId, await env.currentTimeMs()));
      await env.sleep(30 * 60 * 1000);
      expect(await deliver(orderPlacedEvent({ cartId }))).toBe('delivered');
      expect(await handleFor(cartId).result()).toBe('purchased');
    });
    expect(sends).toHaveLength(0);
  });

  it('ends without an email when the cart is emptied', async () => {
    const { worker, sends, deliver } = await harness();
    const cartId = `c-${randomUUID()}`;
    await worker.runUntil(async () => {
      const t0 = await env.currentTimeMs();
      await deliver(cartEvent(cartId, t0));
      await deliver(cartEvent(cartId, t0 + 1000, []));
      expect(await handleFor(cartId).result()).toBe('emptied');
    });
    expect(sends).toHaveLength(0);
  });

  it('ignores an older snapshot that arrives late', async () => {
    const { worker, sends, deliver } = await harness();
    const cartId = `c-${randomUUID()}`;
    await worker.runUntil(async () => {
      const t0 = await env.currentTimeMs();
      await deliver(cartEvent(cartId, t0));
      await deliver(cartEvent(cartId, t0 - 60_000, [])); // stale "empty" snapshot
      await env.sleep(HOUR + 60_000);
      await eventually(() => expect(sends).toHaveLength(1));
      expect((sends[0]?.cart as Cart).items).toHaveLength(2);
      await deliver(orderPlacedEvent({ cartId }));
      expect(await handleFor(cartId).result()).toBe('recovered');
    });
  });

  it('a late webhook for a finished cart does not start a second chain', async () => {
    const { worker, sends, deliver } = await harness();
    const cartId = `c-${randomUUID()}`;
    await worker.runUntil(async () => {
      const t0 = await env.currentTimeMs();
      await deliver(cartEvent(cartId, t0));
      await deliver(orderPlacedEvent({ cartId }));
      expect(await handleFor(cartId).result()).toBe('purchased');
      const finished = await handleFor(cartId).describe();
      expect(await deliver(cartEvent(cartId, t0 + 1000))).toBe('cart_finished');
      expect(await deliver(orderPlacedEvent({ cartId }))).toBe('no_running_chain');
      await env.sleep(2 * HOUR);
      // Still the one finished run: nothing was started again.
      const latest = await handleFor(cartId).describe();
      expect(latest.runId).toBe(finished.runId);
      expect(latest.status.name).toBe('COMPLETED');
    });
    expect(sends).toHaveLength(0);
  });

  it('ends as purchased when the send step finds the cart already bought', async () => {
    const { worker, sends, deliver } = await harness({ status: 'skipped', reason: 'purchased' });
    const cartId = `c-${randomUUID()}`;
    await worker.runUntil(async () => {
      await deliver(cartEvent(cartId, await env.currentTimeMs()));
      expect(await handleFor(cartId).result()).toBe('purchased');
    });
    expect(sends).toHaveLength(1);
  });
});
