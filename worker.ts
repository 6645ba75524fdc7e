import { fileURLToPath } from 'node:url';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { loadConfig } from './config/env';
import { createLogger, routeTemporalLogs } from './config/logger';
import { openServices, requireExternal } from './cli/services';
import { exitWithError, isMain, parseNoArguments } from './cli/process';
import { requirePayloadCodec } from './codec/codec-config';

export const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (`bundleWorkflowCode`) avoids bundling at start; tests share one. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Encrypts payloads (codec/encryption-codec.ts); the entry points always pass one, some tests run without. */
  payloadCodec?: PayloadCodec;
}

/** The Temporal worker: the cart workflows plus activities built from real dependencies. */
export function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
    ...(options.payloadCodec ? { dataConverter: { payloadCodecs: [options.payloadCodec] } } : {}),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
  });
}

// `npm run worker`: the worker alone, against external Postgres, Temporal and SMTP.
async function runWorker(): Promise<void> {
  const config = loadConfig();
  requireExternal(config, ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'TRACKING_SECRET']);
  const payloadCodec = requirePayloadCodec(config);
  const logger = createLogger(config.LOG_LEVEL);
  routeTemporalLogs(logger);
  const services = await openServices(config, logger);
  const connection = await NativeConnection.connect(config.temporal.connection);
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: services.activityDeps,
    payloadCodec,
  });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker started');
  await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks are done
  await connection.close();
  await services.close();
}

if (isMain(import.meta.url)) {
  parseNoArguments({
    name: 'cartflow worker',
    description: 'the Temporal worker alone, against external Postgres, Temporal and SMTP (npm run worker)',
  });
  runWorker().catch(exitWithError);
}
