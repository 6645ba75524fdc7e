import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { inject } from 'vitest';
import { registerCartSearchAttributes } from '../../app/search-attributes';
import { workflowsPath } from '../../worker';

/**
 * What a workflow test starts once per file: the Java time-skipping server (downloaded by the
 * global set-up), with cartflow's search attributes registered, and the workflow bundle (built
 * quietly, in parallel with the server's start).
 */
export async function startTimeSkippingWorkflows(): Promise<[TestWorkflowEnvironment, WorkflowBundleWithSourceMap]> {
  const [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: inject('timeSkippingServerPath') } },
    }),
    bundleWorkflowCode({
      workflowsPath,
      logger: { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} },
    }),
  ]);
  await registerCartSearchAttributes(env.connection, 'default');
  return [env, bundle];
}
