import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cartStateQuery } from '../../workflows/definitions';
import { cartUpdatedEvent } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import { createChainHarness } from '../helpers/chain-harness';
import { eventually } from '../helpers/eventually';
import { bundlePreviousRelease } from '../helpers/previous-release/bundle';
import { startTimeSkippingWorkflows } from '../helpers/time-skipping-workflows';
import { activitiesAndPatches } from '../helpers/workflow-history';

// A chain started by the release before local steps, taken over by a worker of this one: the
// upgrade as an operator does it (stop the old worker, start the new one on the same task queue).
// Day-long delays between steps: the Java time-skipping server.
const HOUR = 3_600_000;
const ONE_MARKER_PATCH = 'one-marker-for-wake-first-and-final-status';
const LOCAL_STEPS_PATCH = 'local-steps-wake-first-final-status';
let env: TestWorkflowEnvironment;
let current: WorkflowBundleWithSourceMap;
let previous: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  [[env, current], previous] = await Promise.all([startTimeSkippingWorkflows(), bundlePreviousRelease()]);
});
afterAll(async () => {
  await env?.teardown();
});

async function failedWorkflowTasks(handle: WorkflowHandle) {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.flatMap((event) => {
    const failed = event.workflowTaskFailedEventAttributes;
    return failed ? [failed.failure?.message] : [];
  });
}

describe('upgrade to local steps (time-skipping server)', () => {
  it('a chain running at the upgrade finishes on the new worker: step 1 through the server, steps 2 and 3 local, each once', async () => {
    const harness = await createChainHarness({
      env,
      bundle: previous,
      campaigns: [consumerCampaign()],
      abandonAfterMs: HOUR,
      // Without a cache the old worker asks for no sticky queue. With one, the Java test server
      // never handed the chain's next task to the new worker (the test timed out after a minute);
      // the dev server handed it over at once, with the same history, in a try in real time.
      workerOptions: { maxCachedWorkflows: 0 },
    });
    const cartId = `upgrade-${randomUUID()}`;
    const handle = harness.handleFor(cartId);

    await harness.worker.runUntil(async () => {
      await harness.deliver(cartUpdatedEvent({ cartId, updatedAt: new Date(await env.currentTimeMs()).toISOString() }));
      await env.sleep(3 * HOUR); // abandonment (1 h) + the reminder's delay (1 h): the reminder is out
      // Step 1 is done and the chain waits for step 2 (its timer is set in the same workflow task).
      await eventually(async () =>
        expect(await handle.query(cartStateQuery)).toMatchObject({ stepsDone: 1, nextStep: 'incentive' }),
      );
    });
    expect(harness.steps.map((step) => step.input.stepIndex)).toEqual([0]);
    expect(await activitiesAndPatches(handle)).toEqual([
      { patch: ONE_MARKER_PATCH },
      { type: 'runChainStep', local: false },
    ]);

    // A nondeterminism error fails the run at once (instead of retrying its task until the test
    // times out), so the test says what went wrong.
    const upgraded = await harness.workerWith(current, { workflowFailureErrorTypes: { '*': ['NondeterminismError'] } });
    expect(await upgraded.runUntil(handle.result())).toBe('completed');

    expect(harness.steps.map((step) => step.input.stepIndex)).toEqual([0, 1, 2]);
    expect(await activitiesAndPatches(handle)).toEqual([
      { patch: ONE_MARKER_PATCH },
      { type: 'runChainStep', local: false },
      { patch: LOCAL_STEPS_PATCH }, // taken at the first step the new worker ran
      { type: 'runChainStep', local: true },
      { type: 'runChainStep', local: true },
    ]);
    expect(await failedWorkflowTasks(handle)).toEqual([]);
  });
});
