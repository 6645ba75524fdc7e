import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, type Worker, bundleWorkflowCode } from '@temporalio/worker';
import { inject } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { createWorker, workflowsPath } from '../../worker';
import { startWithTeardown } from './teardown';
import type { WorkerMetrics } from '../../metrics/worker-metrics';

export interface TestWorker {
  worker: Worker;
  /** Stops the worker, waits for its run to end, and closes its connection. */
  shutdown(): Promise<void>;
}

/** The real worker (cart workflows, bundled without log noise, and activities over `deps`) running on the Temporal dev server. */
export function startTestWorker(options: {
  taskQueue: string;
  deps: ActivityDeps;
  payloadCodec?: PayloadCodec;
  metrics?: WorkerMetrics;
  /** Another Temporal server than the shared one (a test that stops and restarts its own). */
  address?: string;
}): Promise<TestWorker> {
  return startWithTeardown(async (teardown) => {
    const connection = await NativeConnection.connect({ address: options.address ?? inject('temporalAddress') });
    teardown.add(() => connection.close());
    const silent = { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} };
    const worker = await createWorker({
      connection,
      namespace: 'default',
      taskQueue: options.taskQueue,
      deps: options.deps,
      workflowBundle: await bundleWorkflowCode({ workflowsPath, logger: silent }),
      ...(options.payloadCodec ? { payloadCodec: options.payloadCodec } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    const run = worker.run();
    teardown.add(async () => {
      worker.shutdown();
      await run;
    });
    return { worker, shutdown: teardown.run };
  });
}
