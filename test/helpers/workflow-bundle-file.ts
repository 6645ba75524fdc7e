import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../../worker';

export interface WorkflowBundleFile {
  /** For WORKFLOW_BUNDLE of the worker processes (test/fixtures/crash-worker.ts). */
  path: string;
  remove(): Promise<void>;
}

/**
 * cartflow's workflows bundled once, into a file of a temporary folder: the worker processes a test
 * starts load it instead of each bundling them (slow on two cores).
 */
export async function workflowBundleFile(name: string): Promise<WorkflowBundleFile> {
  const silent = { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} };
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: silent });
  const dir = await mkdtemp(path.join(os.tmpdir(), `cartflow-${name}-`));
  const file = path.join(dir, 'workflows.js');
  await writeFile(file, code);
  return { path: file, remove: () => rm(dir, { recursive: true, force: true }) };
}
