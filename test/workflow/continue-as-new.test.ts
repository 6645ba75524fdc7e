import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TemporalDevServer } from '../../app/temporal-dev-server';
import { workflowsPath } from '../../worker';
import { cartStateQuery, stopChainSignal } from '../../workflows/definitions';
import { consumerCampaign } from '../helpers/campaigns';
import type { WorkflowHandle } from '@temporalio/client';
import { cartUpdatedEvent, orderPlacedEvent } from '../helpers/cart-events';
import { createChainHarness } from '../helpers/chain-harness';
import { startTestDevServer } from '../helpers/dev-server';

type Harness = Awaited<ReturnType<typeof createChainHarness>>;
const quietLogger = { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} };
import { eventually } from '../helpers/eventually';

// A dev server of its own that suggests continue-as-new after 60 history events (the default is
// thousands), so a cart with many updates crosses several runs within a test.
let server: TemporalDevServer;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  server = await startTestDevServer({
    extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60'],
  });
  env = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address });
  expect(inject('temporalAddress')).toBeTruthy(); // the shared server is not used here
});
afterAll(async () => {
  await env?.teardown();
  await server?.teardown();
});

describe('a cart with many updates (continue-as-new)', () => {
  it('crosses runs without losing the cart, the clock or the chain', async () => {
    const bundle = await bundleWorkflowCode({
      workflowsPath,
      logger: { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} },
    });
    const campaign = consumerCampaign({
      frequency: { minGap: '1s' },
      steps: [
        { id: 'reminder', delay: '1s', template: 'cart-reminder' },
        { id: 'last-chance', delay: '1s', template: 'cart-reminder' },
      ],
    });
    const h = await createChainHarness({ env, bundle, campaigns: [campaign], abandonAfterMs: 4_000 });
    const cartId = `many-updates-${Date.now()}`;
    await h.worker.runUntil(async () => {
      const t0 = Date.now();
      let firstRun: string | undefined;
      for (let i = 1; i <= 150; i += 1) {
        const items = Array.from({ length: (i % 5) + 1 }, (_, n) => ({
          sku: `S${n}`,
          name: `Item ${n}`,
          quantity: 1,
          unitPrice: '1',
        }));
        await h.deliver(cartUpdatedEvent({ cartId, updatedAt: new Date(t0 + i).toISOString(), items }));
        firstRun ??= (await h.handleFor(cartId).describe()).runId;
      }
      const handle = h.handleFor(cartId);
      await eventually(async () =>
        expect(await handle.query(cartStateQuery)).toMatchObject({ phase: 'waiting_for_inactivity', itemCount: 1 }),
      );
      expect(await handle.result()).toBe('completed');
      expect((await handle.describe()).runId).not.toBe(firstRun);
      const first = await env.client.workflow.getHandle(handle.workflowId, firstRun).fetchHistory();
      expect(first.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    });
    // The last update (150 % 5 + 1 = 1 item) is what the emails show; nothing was sent during the updates.
    expect(h.steps.map((step) => step.input.stepIndex)).toEqual([0, 1]);
    expect(h.steps[0]?.input.cart.items).toHaveLength(1);
  });

  // A signal received while a step runs, with the history past Temporal's continue-as-new suggestion:
  // the run used to continue as new before looking at it, and the next run never knew. A step runs
  // as a local activity, inside a workflow task: what arrives meanwhile is held by the server and
  // recorded when the worker heartbeats that task (every 8 s of a 10 s task timeout).
  describe('a signal that arrives at a continue-as-new boundary', () => {
    const BOUNDARY = 60;
    const UPDATES = BOUNDARY; // one history event each, once recorded: past the suggestion by themselves

    /** Waits until the run's history holds `count` signals (recorded at the task's next heartbeat). */
    async function signalsRecorded(handle: WorkflowHandle, count: number) {
      await eventually(async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        expect(events.filter((event) => event.workflowExecutionSignaledEventAttributes).length).toBe(count);
      }, 60_000);
    }

    const cases = [
      {
        name: 'an order ends the chain as purchased',
        send: (h: Harness, cartId: string) => h.deliver(orderPlacedEvent({ cartId })),
        outcome: 'purchased',
      },
      {
        name: 'a stop request (unsubscribe, erasure) ends it as stopped',
        send: (h: Harness, cartId: string) => h.handleFor(cartId).signal(stopChainSignal, { reason: 'erased' }),
        outcome: 'stopped',
      },
    ];

    for (const { name, send, outcome } of cases) {
      it(name, async () => {
        const bundle = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
        const campaign = consumerCampaign({
          frequency: { minGap: '1s' },
          steps: [
            { id: 'reminder', delay: '1s', template: 'cart-reminder' },
            { id: 'last-chance', delay: '2s', template: 'cart-reminder' },
          ],
        });
        let enterStep!: () => void;
        const stepRunning = new Promise<void>((resolve) => (enterStep = resolve));
        let finishStep!: () => void;
        const stepMayFinish = new Promise<void>((resolve) => (finishStep = resolve));
        const h = await createChainHarness(
          { env, bundle, campaigns: [campaign], abandonAfterMs: 1_000 },
          async (_input, call) => {
            if (call === 1) {
              enterStep();
              await stepMayFinish;
            }
            return { status: 'sent' };
          },
        );
        const cartId = `boundary-${outcome}-${Date.now()}`;
        let runOfStep = '';
        await h.worker.runUntil(async () => {
          const t0 = Date.now();
          await h.deliver(cartUpdatedEvent({ cartId, updatedAt: new Date(t0).toISOString() }));
          await stepRunning;
          runOfStep = (await h.handleFor(cartId).describe()).runId;
          // While the first email is being sent, updates push the history past the suggestion.
          for (let i = 1; i <= UPDATES; i += 1) {
            await h.deliver(cartUpdatedEvent({ cartId, updatedAt: new Date(t0 + i).toISOString() }));
          }
          await send(h, cartId);
          await signalsRecorded(h.handleFor(cartId), UPDATES + 1);
          finishStep();
          expect(await h.handleFor(cartId).result()).toBe(outcome);
        });
        // The step's end came in a task that suggested continuing as new: the boundary was hit. The run
        // acted on the signal there and ended, instead of continuing as new first.
        const handle = env.client.workflow.getHandle(h.handleFor(cartId).workflowId, runOfStep);
        const events = (await handle.fetchHistory()).events ?? [];
        const stepMarker = events.findIndex(
          (event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity',
        );
        const taskOfStep = events.slice(0, stepMarker).findLast((event) => event.workflowTaskStartedEventAttributes);
        expect(taskOfStep?.workflowTaskStartedEventAttributes?.suggestContinueAsNew).toBe(true);
        const end = events.at(-1);
        expect(end?.workflowExecutionContinuedAsNewEventAttributes).toBeFalsy();
        expect(end?.workflowExecutionCompletedEventAttributes).toBeTruthy();
        expect(h.steps.map((step) => step.input.stepIndex)).toEqual([0]);
      });
    }
  });
});
