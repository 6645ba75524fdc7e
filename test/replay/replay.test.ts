import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../../worker';

// Saved histories of real runs of every chain shape (npm run replay:record). Running workflows look
// like these: a workflow change that does not replay them needs patched() (see docs/contributing.md).
const historiesDir = fileURLToPath(new URL('./histories', import.meta.url));
const quiet = { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} };

async function corpus() {
  const files = (await readdir(historiesDir)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({
      name: path.basename(file, '.json'),
      history: historyFromJSON(JSON.parse(await readFile(path.join(historiesDir, file), 'utf8'))),
    })),
  );
}

async function replayAll(pathToWorkflows: string) {
  const bundle = await bundleWorkflowCode({ workflowsPath: pathToWorkflows, logger: quiet });
  const histories = (await corpus()).map(({ name, history }) => ({ workflowId: name, history }));
  const results = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) results.push(result);
  return results;
}

describe('replay of saved workflow histories', () => {
  it('the corpus covers every chain shape', async () => {
    const shapes = [
      'consumer-completed',
      'consumer-updates-then-purchased',
      'consumer-deferred',
      'consumer-emptied',
      'consumer-stopped',
      'consumer-skip-and-exit',
      'consumer-step-failed',
      'consumer-step-expired',
      'b2b-completed',
      'welcome-completed',
      'consumer-continued-as-new',
    ];
    const names = (await corpus()).map(({ name }) => name);
    expect(names).toEqual(
      expect.arrayContaining([
        // Steps scheduled through the server, recorded before each patch…
        ...shapes,
        'consumer-continued-as-new-all-campaigns',
        'one-marker-consumer-completed',
        'one-marker-consumer-purchased-after-first-email',
        // …and every shape again with steps as local activities.
        ...[...shapes, 'consumer-purchased-after-first-email'].map((shape) => `local-steps-${shape}`),
      ]),
    );
  });

  it('every saved history replays against the current workflow code', async () => {
    const results = await replayAll(workflowsPath);
    expect(results.length).toBeGreaterThanOrEqual(9);
    for (const result of results)
      expect({ workflowId: result.workflowId, error: result.error }).toEqual({
        workflowId: result.workflowId,
        error: undefined,
      });
  });

  it('a run started with every campaign continues as new with its own trigger’s only (patched)', async () => {
    const histories = new Map((await corpus()).map(({ name, history }) => [name, history]));
    const carried = (name: string) => {
      const last = histories.get(name)?.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
      const [input] = (last?.input?.payloads ?? []).map((payload) => defaultPayloadConverter.fromPayload(payload));
      return (input as { campaigns: Array<{ id: string }> }).campaigns.map((campaign) => campaign.id);
    };
    const started = (name: string) => {
      const first = histories.get(name)?.events?.[0]?.workflowExecutionStartedEventAttributes;
      const [input] = (first?.input?.payloads ?? []).map((payload) => defaultPayloadConverter.fromPayload(payload));
      return (input as { campaigns: Array<{ id: string }> }).campaigns.map((campaign) => campaign.id);
    };
    // Recorded before the patch: the welcome campaign travelled on into the next run.
    expect(started('consumer-continued-as-new-all-campaigns')).toEqual(['b2b', 'consumer', 'welcome']);
    expect(carried('consumer-continued-as-new-all-campaigns')).toEqual(['b2b', 'consumer', 'welcome']);
    // Recorded with it: the same start, and the next run gets the cart campaigns only.
    expect(started('consumer-continued-as-new')).toEqual(['b2b', 'consumer', 'welcome']);
    expect(carried('consumer-continued-as-new')).toEqual(['b2b', 'consumer']);
  });

  it('runs recorded before the one-marker patch carry its two predecessors; runs after it, it alone', async () => {
    const histories = new Map((await corpus()).map(({ name, history }) => [name, history]));
    const patchIds = (name: string) =>
      (histories.get(name)?.events ?? []).flatMap((event) => {
        const [payload] = event.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? [];
        return payload ? [(defaultPayloadConverter.fromPayload(payload) as { id: string }).id] : [];
      });
    expect(patchIds('consumer-step-expired')).toEqual([
      'wake-before-continue-as-new',
      'final-search-attributes-on-completion',
    ]);
    expect(patchIds('one-marker-consumer-completed')).toEqual(['one-marker-for-wake-first-and-final-status']);
    expect(patchIds('one-marker-consumer-purchased-after-first-email')).toEqual([
      'one-marker-for-wake-first-and-final-status',
    ]);
    // Runs with local steps: the one marker that stands in for all three.
    expect(patchIds('local-steps-consumer-completed')).toEqual(['local-steps-wake-first-final-status']);
    expect(patchIds('local-steps-consumer-purchased-after-first-email')).toEqual([
      'local-steps-wake-first-final-status',
    ]);
  });

  it('runs recorded before local steps schedule their steps on the server; runs after, as local activities', async () => {
    const histories = new Map((await corpus()).map(({ name, history }) => [name, history]));
    const stepKinds = (name: string) =>
      (histories.get(name)?.events ?? []).flatMap((event) => {
        if (event.activityTaskScheduledEventAttributes) return ['server'];
        return event.markerRecordedEventAttributes?.markerName === 'core_local_activity' ? ['local'] : [];
      });
    expect(stepKinds('one-marker-consumer-completed')).toEqual(['server', 'server', 'server']);
    expect(stepKinds('local-steps-consumer-completed')).toEqual(['local', 'local', 'local']);
    expect(histories.get('local-steps-consumer-completed')?.events).toHaveLength(28);
  });

  it('an incompatible (unpatched) workflow change is caught', async () => {
    const results = await replayAll(fileURLToPath(new URL('./mutant/index.ts', import.meta.url)));
    const failed = results.filter((result) => result.error instanceof DeterminismViolationError);
    expect(failed.map((result) => result.workflowId)).toEqual(
      expect.arrayContaining(['consumer-completed', 'local-steps-consumer-completed']),
    );
  });
});
