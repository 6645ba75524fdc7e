import { fileURLToPath } from 'node:url';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { loadConfig } from './config/env';
import { createLogger, installTemporalRuntime } from './config/logger';
import { openServices, requireExternal } from './cli/services';
import { exitWithError, isMain, parseNoArguments } from './cli/process';
import { requirePayloadCodec } from './codec/codec-config';
import { createMetricsRegistry } from './metrics/registry';
import { serveMetrics } from './metrics/serve-metrics';
import { type WorkerMetrics, createWorkerMetrics } from './metrics/worker-metrics';

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
  /** Step outcomes, SMTP errors and activity latency; the entry points always pass it. */
  metrics?: WorkerMetrics;
}

/** The Temporal worker: the cart workflows plus activities built from real dependencies. */
export function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities({ ...options.deps, ...(options.metrics ? { metrics: options.metrics } : {}) }),
    ...(options.metrics ? { interceptors: { activity: [options.metrics.activityInterceptor] } } : {}),
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
  installTemporalRuntime(logger, config);
  const metrics = createWorkerMetrics(createMetricsRegistry());
  const metricsServer = config.METRICS_PORT
    ? await serveMetrics({ registry: metrics.registry, host: config.METRICS_HOST, port: config.METRICS_PORT })
    : undefined;
  const services = await openServices(config, logger);
  const connection = await NativeConnection.connect(config.temporal.connection);
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: services.activityDeps,
    payloadCodec,
    metrics,
  });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, metrics: metricsServer?.url }, 'worker started');
  await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks are done
  await connection.close();
  await services.close();
  await metricsServer?.close();
}

if (isMain(import.meta.url)) {
  parseNoArguments({
    name: 'cartflow worker',
    description: 'the Temporal worker alone, against external Postgres, Temporal and SMTP (npm run worker)',
  });
  runWorker().catch(exitWithError);
}
