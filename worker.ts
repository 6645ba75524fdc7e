import { fileURLToPath } from 'node:url';
import { warnMisspelledVariables } from './config/misspelled-variables';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { loadConfig } from './config/env';
import { WorkerVariables, requireExternal } from './config/require-external';
import { createLogger, installTemporalRuntime } from './config/logger';
import { openServices } from './app/services';
import { exitWithError, isMain, parseNoArguments } from './app/process';
import { requirePayloadCodec } from './codec/codec-config';
import { reachTemporal } from './app/temporal-client';
import { cartSearchAttributeKeys } from './app/search-attributes';
import { onShutdownSignals } from './app/shutdown';
import { databaseCheck, migrationsCheck, smtpCheck, temporalCheck } from './health/checks';
import { serveHealth } from './health/serve';
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
  /** SHUTDOWN_GRACE: after shutdown() in-flight activities get this long before they are cancelled. */
  shutdownGraceMs?: number;
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
    ...(options.shutdownGraceMs !== undefined
      ? { shutdownGraceTime: options.shutdownGraceMs, shutdownForceTime: options.shutdownGraceMs + 5_000 }
      : {}),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
  });
}

/**
 * `npm run worker`: the worker alone, against external Postgres, Temporal and SMTP. On SIGTERM it
 * stops polling, lets in-flight activities finish (SHUTDOWN_GRACE), closes the database and the
 * SMTP pool, and resolves. With WORKER_HEALTH_PORT it serves /healthz and /readyz; with
 * METRICS_PORT its metrics.
 */
export async function runWorker(): Promise<void> {
  const config = requireExternal(loadConfig(), WorkerVariables);
  const payloadCodec = requirePayloadCodec(config);
  const logger = createLogger(config.LOG_LEVEL);
  installTemporalRuntime(logger, config, { ownSignals: true });
  warnMisspelledVariables(logger);
  const metrics = createWorkerMetrics(createMetricsRegistry());
  const metricsServer = config.METRICS_PORT
    ? await serveMetrics({ registry: metrics.registry, host: config.METRICS_HOST, port: config.METRICS_PORT })
    : undefined;
  const services = await openServices(config, logger);
  try {
    const connection = await reachTemporal(config.temporal.address, () =>
      NativeConnection.connect(config.temporal.connection),
    );
    try {
      let worker: Worker | undefined;
      // Before run() nothing is in flight: stopping is just leaving.
      const { draining } = onShutdownSignals({
        logger,
        graceMs: config.SHUTDOWN_GRACE,
        begin: () => (worker?.getState() === 'RUNNING' ? worker.shutdown() : process.exit(0)),
      });
      // Listening first: a port that cannot be had ends the start before a Worker holds the
      // connection (closing it then would fail and hide why).
      const health = config.WORKER_HEALTH_PORT
        ? await serveHealth({
            host: config.HOST,
            port: config.WORKER_HEALTH_PORT,
            logger,
            draining,
            checks: {
              database: databaseCheck(services.database.db),
              migrations: migrationsCheck(services.database.db),
              temporal: temporalCheck({
                connection,
                namespace: config.temporal.namespace,
                searchAttributes: cartSearchAttributeKeys,
              }),
              smtp: smtpCheck(services.activityDeps.mailer),
            },
          })
        : undefined;
      try {
        worker = await createWorker({
          connection,
          namespace: config.temporal.namespace,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          deps: services.activityDeps,
          payloadCodec,
          metrics,
          shutdownGraceMs: config.SHUTDOWN_GRACE,
        });
        logger.info(
          { taskQueue: config.TEMPORAL_TASK_QUEUE, healthPort: config.WORKER_HEALTH_PORT, metrics: metricsServer?.url },
          'worker started',
        );
        await worker.run(); // returns after shutdown(), once in-flight tasks are done
      } finally {
        await health?.close();
      }
    } finally {
      await connection.close();
    }
  } finally {
    await services.close();
    await metricsServer?.close();
  }
  logger.info('worker stopped');
}

if (isMain(import.meta.url)) {
  parseNoArguments({
    name: 'cartflow worker',
    description: 'the Temporal worker alone, against external Postgres, Temporal and SMTP (npm run worker)',
  });
  runWorker().then(() => process.exit(0), exitWithError);
}
