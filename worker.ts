import { fileURLToPath } from 'node:url';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { loadConfig } from './config/env';
import { createLogger, routeTemporalLogs } from './config/logger';
import { openServices, requireExternal } from './cli/services';
import { exitWithError, isMain, parseNoArguments } from './cli/process';
import { requirePayloadCodec } from './codec/codec-config';
import { onShutdownSignals } from './cli/shutdown';
import { databaseCheck, migrationsCheck, smtpCheck, temporalCheck } from './health/checks';
import { serveHealth } from './health/serve';

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
  /** SHUTDOWN_GRACE: after shutdown() in-flight activities get this long before they are cancelled. */
  shutdownGraceMs?: number;
}

/** The Temporal worker: the cart workflows plus activities built from real dependencies. */
export function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
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
 * SMTP pool, and resolves. With WORKER_HEALTH_PORT it serves /healthz and /readyz.
 */
async function runWorker(): Promise<void> {
  const config = loadConfig();
  requireExternal(config, ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'TRACKING_SECRET']);
  const payloadCodec = requirePayloadCodec(config);
  const logger = createLogger(config.LOG_LEVEL);
  routeTemporalLogs(logger, { ownSignals: true });
  const services = await openServices(config, logger);
  try {
    const connection = await NativeConnection.connect(config.temporal.connection);
    try {
      const worker = await createWorker({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        deps: services.activityDeps,
        payloadCodec,
        shutdownGraceMs: config.SHUTDOWN_GRACE,
      });
      const { draining } = onShutdownSignals({
        logger,
        graceMs: config.SHUTDOWN_GRACE,
        // Before run() nothing is in flight: stopping is just leaving.
        begin: () => (worker.getState() === 'RUNNING' ? worker.shutdown() : process.exit(0)),
      });
      const health = config.WORKER_HEALTH_PORT
        ? await serveHealth({
            host: config.HOST,
            port: config.WORKER_HEALTH_PORT,
            logger,
            draining,
            checks: {
              database: databaseCheck(services.database.db),
              migrations: migrationsCheck(services.database.db),
              temporal: temporalCheck({ connection, namespace: config.temporal.namespace }),
              smtp: smtpCheck(services.activityDeps.mailer),
            },
          })
        : undefined;
      logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, healthPort: config.WORKER_HEALTH_PORT }, 'worker started');
      try {
        await worker.run(); // returns after shutdown(), once in-flight tasks are done
      } finally {
        await health?.close();
      }
    } finally {
      await connection.close();
    }
  } finally {
    await services.close();
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
