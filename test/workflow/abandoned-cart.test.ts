import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CartUpdatedEvent } from '../../domain/events';
import { variantsOf } from '../../domain/experiments';
import { cartWorkflowId } from '../../domain/ids';
import { cartStateQuery, stopChainSignal } from '../../workflows/definitions';
import { startTimeSkippingWorkflows } from '../helpers/time-skipping-workflows';
import { cartUpdatedEvent, orderPlacedEvent } from '../helpers/cart-events';
import { b2bCampaign, consumerCampaign } from '../helpers/campaigns';
import { type Decide, HARNESS_SHOP_ID, createChainHarness } from '../helpers/chain-harness';
import { eventually } from '../helpers/eventually';

// Day-long chains need the Java time-skipping test server (see scripts/temporal-test-server.sh).
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const shopId = HARNESS_SHOP_ID;
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;

const b2b = b2bCampaign();
const consumer = consumerCampaign();

beforeAll(async () => {
  [env, bundle] = await startTimeSkippingWorkflows();
});
afterAll(async () => {
  await env?.teardown();
});
// The time-skipping server does not skip time past a workflow's pending work, so a chain left
// running without its worker would stall every later test.
afterEach(async () => {
  for (const workflowId of started) {
    await env.client.workflow
      .getHandle(workflowId)
      .terminate('test finished')
      .catch(() => undefined);
  }
  started.clear();
});

/** Workflows the current test started; any still running afterwards are terminated (see afterEach). */
const started = new Set<string>();

const harness = (decide?: Decide) =>
  createChainHarness({ env, bundle, campaigns: [b2b, consumer], abandonAfterMs: HOUR, started }, decide);

function cartEvent(cartId: string, at: number, options: { items?: unknown[]; b2b?: boolean } = {}): CartUpdatedEvent {
  return cartUpdatedEvent({
    cartId,
    updatedAt: new Date(at).toISOString(),
    items: options.items,
    customer: { b2b: options.b2b ?? false },
  }) as CartUpdatedEvent;
}

const handleFor = (cartId: string) => env.client.workflow.getHandle(cartWorkflowId({ shopId, cartId }));
const newCartId = () => `c-${randomUUID()}`;

describe('abandonedCartWorkflow (time-skipping server)', () => {
  it('runs the three steps at abandonment + delays, with the latest cart, and completes', async () => {
    const { worker, steps, finished, deliver } = await harness();
    const cartId = newCartId();
    await worker.runUntil(async () => {
      const start = await env.currentTimeMs();
      await deliver(cartEvent(cartId, start));
      expect(await handleFor(cartId).result()).toBe('completed');
    });
    expect(steps.map((s) => s.input.stepIndex)).toEqual([0, 1, 2]);
    // 1 h of inactivity + 1 h, then +23 h, then +48 h (a few seconds of slack for task scheduling).
    const hours = steps.map((s) => Math.round(s.atMs / HOUR));
    expect(hours).toEqual([2, 25, 73]);
    expect(steps[0]?.input.campaign).toMatchObject({ id: 'consumer', version: 3 });
    expect(finished).toEqual([]); // the last step records the end itself
  });

  it('a step variant with its own delay makes that customer wait longer; the control keeps the written delay', async () => {
    const experiment = consumerCampaign({
      steps: [
        { id: 'reminder', delay: '1h', template: 'cart-reminder' },
        {
          id: 'incentive',
          delay: '23h',
          template: 'cart-reminder',
          variants: [{ id: 'control' }, { id: 'next-day', delay: '47h' }],
        },
        { id: 'last-chance', delay: '48h', template: 'cart-reminder' },
      ],
    });
    const emailIn = (variant: string) => {
      for (let index = 0; ; index++) {
        const email = `variant-${index}@example.com`;
        if (variantsOf(experiment, email).incentive === variant) return email;
      }
    };
    const hoursFor = async (variant: string) => {
      const { worker, steps, deliver } = await createChainHarness({
        env,
        bundle,
        campaigns: [experiment],
        abandonAfterMs: HOUR,
        started,
      });
      const cartId = newCartId();
      await worker.runUntil(async () => {
        const start = await env.currentTimeMs();
        const event = cartUpdatedEvent({
          cartId,
          updatedAt: new Date(start).toISOString(),
          customer: { email: emailIn(variant) },
        }) as CartUpdatedEvent;
        await deliver(event);
        expect(await handleFor(cartId).result()).toBe('completed');
      });
      return steps.map((s) => Math.round((s.atMs - steps[0]!.atMs) / HOUR));
    };
    expect(await hoursFor('control')).toEqual([0, 23, 71]);
    expect(await hoursFor('next-day')).toEqual([0, 47, 95]);
  });

  it('before the first email every update restarts the clock; after it, updates only refresh the content', async () => {
    const { worker, steps, deliver, now } = await harness();
    const cartId = newCartId();
    await worker.runUntil(async () => {
      const start = await env.currentTimeMs();
      await deliver(cartEvent(cartId, start));
      await env.sleep(90 * MINUTE);
      await deliver(
        cartEvent(cartId, start + 90 * MINUTE, { items: [{ sku: 'B', name: 'Boots', quantity: 1, unitPrice: '99' }] }),
      );
      await env.sleep(100 * MINUTE); // 190 min after the first update, 100 after the second
      expect(steps).toHaveLength(0);
      expect(await handleFor(cartId).query(cartStateQuery)).toMatchObject({
        phase: 'waiting_for_inactivity',
        itemCount: 1,
      });
      await env.sleep(25 * MINUTE);
      await eventually(() => expect(steps).toHaveLength(1));
      expect(Math.round((await now()) / MINUTE)).toBeGreaterThanOrEqual(90 + 120);
      // An update after the first email changes what the next email shows, not when it goes.
      await deliver(
        cartEvent(cartId, start + 6 * HOUR, { items: [{ sku: 'C', name: 'Coat', quantity: 1, unitPrice: '150' }] }),
      );
      expect(await handleFor(cartId).query(cartStateQuery)).toMatchObject({
        phase: 'in_chain',
        nextStep: 'incentive',
        stepsDone: 1,
      });
      await env.sleep(24 * HOUR);
      await eventually(() => expect(steps).toHaveLength(2));
    });
    expect(steps[0]?.input.cart.items.map((item) => item.name)).toEqual(['Boots']);
    expect(steps[1]?.input.cart.items.map((item) => item.name)).toEqual(['Coat']);
    expect(steps[1]!.atMs - steps[0]!.atMs).toBeGreaterThanOrEqual(23 * HOUR);
    expect(steps[1]!.atMs - steps[0]!.atMs).toBeLessThan(23 * HOUR + 5 * MINUTE);
  });

  it('an order before the first email ends the chain with no step run', async () => {
    const { worker, steps, finished, deliver } = await harness();
    const cartId = newCartId();
    await worker.runUntil(async () => {
      await deliver(cartEvent(cartId, await env.currentTimeMs()));
      await env.sleep(30 * MINUTE);
      expect(await deliver(orderPlacedEvent({ cartId }))).toBe('delivered');
      expect(await handleFor(cartId).result()).toBe('purchased');
    });
    expect(steps).toHaveLength(0);
    expect(finished).toHaveLength(0); // no chain was entered
  });

  it('an order between steps stops the chain and finishes it (codes disabled)', async () => {
    const { worker, steps, finished, deliver } = await harness();
    const cartId = newCartId();
    await worker.runUntil(async () => {
      await deliver(cartEvent(cartId, await env.currentTimeMs()));
      await env.sleep(3 * HOUR);
      await eventually(() => expect(steps).toHaveLength(1));
      await deliver(orderPlacedEvent({ cartId }));
      expect(await handleFor(cartId).result()).toBe('purchased');
    });
    expect(steps).toHaveLength(1);
    expect(finished).toEqual([expect.objectContaining({ cartId, outcome: 'purchased' })]);
  });

  // The tightest race of an order with a running chain: the signal lands while the last step runs.
  // The task that would complete the workflow is refused (the signal is new), and the replay meets
  // the order before the step, so the chain still ends on it and its codes are disabled.
  it('an order that arrives while the last email is on its way ends the chain as purchased (codes disabled)', async () => {
    let release: () => void = () => undefined;
    const lastStepHeld = new Promise<void>((resolve) => (release = resolve));
    const { worker, steps, finished, deliver } = await harness(async (input) => {
      if (input.stepIndex === 2) await lastStepHeld;
      return { status: 'sent' };
    });
    const cartId = newCartId();
    await worker.runUntil(async () => {
      await deliver(cartEvent(cartId, await env.currentTimeMs()));
      const outcome = handleFor(cartId).result(); // lets the server skip time to the last step
      await eventually(() => expect(steps).toHaveLength(3), 60_000);
      expect(await deliver(orderPlacedEvent({ cartId }))).toBe('delivered');
      release();
      expect(await outcome).toBe('purchased');
    });
    expect(finished).toEqual([expect.objectContaining({ cartId, outcome: 'purchased' })]);
  });

  it('an emptied cart ends the chain without an email', async () => {
    const { worker, steps, deliver } = await harness();
    const cartId = newCartId();
    await worker.runUntil(async () => {
      const start = await env.currentTimeMs();
      await deliver(cartEvent(cartId, start));
      await deliver(cartEvent(cartId, start + 1000, { items: [] }));
      expect(await handleFor(cartId).result()).toBe('emptied');
    });
    expect(steps).toHaveLength(0);
  });

  it('ignores an older snapshot that arrives late', async () => {
    const { worker, steps, deliver } = await harness();
    const cartId = newCartId();
    await worker.runUntil(async () => {
      const start = await env.currentTimeMs();
      await deliver(cartEvent(cartId, start));
      await deliver(cartEvent(cartId, start - MINUTE, { items: [] })); // stale "empty" snapshot
      expect(await handleFor(cartId).result()).toBe('completed');
    });
    expect(steps[0]?.input.cart.items).toHaveLength(2);
  });

  it('a deferred step (quiet hours, frequency cap) waits until the given time and runs again', async () => {
    const { worker, steps, deliver } = await harness((_input, call, serverNow) =>
      call === 1 ? { status: 'deferred', until: serverNow + 9 * HOUR, reason: 'quiet_hours' } : { status: 'sent' },
    );
    const cartId = newCartId();
    await worker.runUntil(async () => {
      await deliver(cartEvent(cartId, await env.currentTimeMs()));
      expect(await handleFor(cartId).result()).toBe('completed');
    });
    expect(steps.map((s) => s.input.stepIndex)).toEqual([0, 0, 1, 2]);
    expect(Math.round((steps[1]!.atMs - steps[0]!.atMs) / HOUR)).toBe(9);
    // Later steps count from when the deferred step actually went out.
    expect(Math.round((steps[2]!.atMs - steps[1]!.atMs) / HOUR)).toBe(23);
  });

  it('a step that finds an exit reason ends the chain with that outcome', async () => {
    const { worker, steps, deliver } = await harness((input) =>
      input.stepIndex === 1 ? { status: 'skipped', reason: 'newer_cart', endChain: true } : { status: 'sent' },
    );
    const cartId = newCartId();
    await worker.runUntil(async () => {
      await deliver(cartEvent(cartId, await env.currentTimeMs()));
      expect(await handleFor(cartId).result()).toBe('newer_cart');
    });
    expect(steps).toHaveLength(2);
  });

  it('a skipped step that does not end the chain moves on to the next one', async () => {
    const { worker, steps, deliver } = await harness((input) =>
      input.stepIndex === 0 ? { status: 'skipped', reason: 'no_consent', endChain: false } : { status: 'sent' },
    );
    const cartId = newCartId();
    await worker.runUntil(async () => {
      await deliver(cartEvent(cartId, await env.currentTimeMs()));
      expect(await handleFor(cartId).result()).toBe('completed');
    });
    expect(steps).toHaveLength(3);
  });

  it('a step that fails for good (address refused) ends the chain as failed, on record', async () => {
    const { worker, steps, finished, deliver } = await harness((input) => {
      if (input.stepIndex === 1) throw ApplicationFailure.nonRetryable('SMTP rejected the message permanently (550)');
      return { status: 'sent' };
    });
    const cartId = newCartId();
    await worker.runUntil(async () => {
      await deliver(cartEvent(cartId, await env.currentTimeMs()));
      expect(await handleFor(cartId).result()).toBe('failed');
    });
    expect(steps).toHaveLength(2);
    expect(finished).toEqual([expect.objectContaining({ cartId, outcome: 'failed' })]);
  });

  it('a B2B cart enters the B2B campaign: the manager step runs at abandonment', async () => {
    const { worker, steps, deliver } = await harness();
    const cartId = newCartId();
    await worker.runUntil(async () => {
      await deliver(cartEvent(cartId, await env.currentTimeMs(), { b2b: true }));
      expect(await handleFor(cartId).result()).toBe('completed');
    });
    expect(steps.map((s) => s.input.campaign.id)).toEqual(['b2b', 'b2b']);
    expect(Math.round(steps[0]!.atMs / MINUTE)).toBe(60);
    expect(Math.round((steps[1]!.atMs - steps[0]!.atMs) / HOUR)).toBe(2);
  });

  it('a stop signal (unsubscribe, erasure) ends the chain at once', async () => {
    const { worker, steps, finished, deliver } = await harness();
    const cartId = newCartId();
    await worker.runUntil(async () => {
      await deliver(cartEvent(cartId, await env.currentTimeMs()));
      await env.sleep(3 * HOUR);
      await eventually(() => expect(steps).toHaveLength(1));
      await handleFor(cartId).signal(stopChainSignal, { reason: 'unsubscribed' });
      expect(await handleFor(cartId).result()).toBe('stopped');
    });
    expect(steps).toHaveLength(1);
    expect(finished).toEqual([expect.objectContaining({ outcome: 'stopped' })]);
  });

  it('a late webhook for a finished cart does not start a second chain', async () => {
    const { worker, steps, deliver } = await harness();
    const cartId = newCartId();
    await worker.runUntil(async () => {
      const start = await env.currentTimeMs();
      await deliver(cartEvent(cartId, start));
      await deliver(orderPlacedEvent({ cartId }));
      expect(await handleFor(cartId).result()).toBe('purchased');
      const finished = await handleFor(cartId).describe();
      expect(await deliver(cartEvent(cartId, start + 1000))).toBe('cart_finished');
      expect(await deliver(orderPlacedEvent({ cartId }))).toBe('no_running_chain');
      await env.sleep(3 * HOUR);
      // Still the one finished run: nothing was started again.
      const latest = await handleFor(cartId).describe();
      expect(latest.runId).toBe(finished.runId);
      expect(latest.status.name).toBe('COMPLETED');
    });
    expect(steps).toHaveLength(0);
  });
});
