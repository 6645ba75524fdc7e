import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainStepResult } from '../../domain/chain';
import { consentGivenSignal } from '../../workflows/definitions';
import { welcomeCampaign } from '../helpers/campaigns';
import { createChainHarness } from '../helpers/chain-harness';
import { eventually } from '../helpers/eventually';
import { bundleReleaseBeforeConsentWake } from '../helpers/previous-release/bundle';
import { startTimeSkippingWorkflows } from '../helpers/time-skipping-workflows';

// A server upgraded before its workers sends consentGiven to journeys that an old worker runs:
// there it changes nothing. When the new worker replays such a run (after a restart, or when the
// old one's cache lets it go), it must make the same decisions, or the run fails as nondeterministic.
const GRACE = 5 * 60_000;
let env: TestWorkflowEnvironment;
let current: WorkflowBundleWithSourceMap;
let previous: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  [[env, current], previous] = await Promise.all([startTimeSkippingWorkflows(), bundleReleaseBeforeConsentWake()]);
});
afterAll(async () => {
  await env?.teardown();
});

describe('the consentGiven signal and runs of the release before it (time-skipping server)', () => {
  it('the old release waits out the grace despite the signal, and this release replays that run unchanged', async () => {
    let serverStart = 0;
    const deferred: ChainStepResult = { status: 'deferred', until: 0, reason: 'awaiting_consent' };
    const h = await createChainHarness(
      { env, bundle: previous, campaigns: [welcomeCampaign()], abandonAfterMs: 3_600_000 },
      (_input, call) => (call === 1 ? { ...deferred, until: serverStart + GRACE } : { status: 'sent' }),
    );
    serverStart = await env.currentTimeMs();
    let workflowId = '';
    await h.worker.runUntil(async () => {
      [workflowId = ''] = await h.startJourneys({
        id: `evt-${serverStart}`,
        type: 'customer.created',
        data: {
          customer: { id: `c-${serverStart}`, email: 'old@example.com', marketingConsent: false },
          welcomeUrl: 'https://shop.example.com/welcome',
        },
      });
      await eventually(() => expect(h.steps).toHaveLength(1));
      const handle = env.client.workflow.getHandle(workflowId);
      await handle.signal(consentGivenSignal);
      expect(await handle.result()).toBe('completed');
    });
    expect(h.steps.map((step) => step.input.stepIndex)).toEqual([0, 0, 1, 2]);
    expect(h.steps[1]!.atMs).toBeGreaterThanOrEqual(GRACE);

    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    expect(history.events?.some((event) => event.workflowExecutionSignaledEventAttributes)).toBe(true);
    await expect(Worker.runReplayHistory({ workflowBundle: current }, history, workflowId)).resolves.toBeUndefined();
  });
});
