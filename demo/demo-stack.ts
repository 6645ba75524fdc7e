import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import { type Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { Logger } from 'pino';
import { localPayloadKeys, localTrackingSecret, localWebhookSecret } from '../app/dev-secret';
import { openServices } from '../app/services';
import { payloadCodecFromKeys } from '../codec/codec-config';
import type { Config } from '../config/env';
import type { Db } from '../db/client';
import type { Campaign } from '../domain/campaign';
import { type Envelope, outboxWriter, startSmtpSink } from '../mail/smtp-sink';
import { createMetricsRegistry } from '../metrics/registry';
import { createWorkerMetrics } from '../metrics/worker-metrics';
import { createAppFromConfig } from '../server/app-from-config';
import { createWorker, workflowsPath } from '../worker';
import { freePort } from '../app/free-port';
import { connectTemporal } from './demo-temporal';

/**
 * The stack `npm start` runs — Temporal, the database, an SMTP sink writing .eml files, the worker
 * and the HTTP server in this process — wired for the demo: its own folder and free ports, so it
 * never touches the user's `.data/` nor collides with a running `npm start`.
 */

export interface DemoStackOptions {
  /** The user's configuration; the demo overrides where things live (see demoConfig). */
  config: Config;
  logger: Logger;
  /** This run's folder: data/ (database, Temporal, secrets) and outbox/. */
  runDir: string;
  campaigns: Campaign[];
  abandonAfterMs: number;
  /** CONSENT_GRACE scaled like the campaigns' delays. */
  consentGraceMs: number;
  /** An existing Temporal server instead of the embedded one. */
  temporalAddress?: string | undefined;
  /** An existing PostgreSQL database instead of PGlite in the run folder. */
  databaseUrl?: string | undefined;
  taskQueue: string;
  /** Every email the SMTP sink receives, after it is saved in the outbox. */
  onEmail: (raw: Buffer, envelope: Envelope) => void;
}

export interface DemoStack {
  baseUrl: string;
  webhookSecret: string;
  client: Client;
  db: Db;
  config: Config;
  outboxDir: string;
  /** The files holding the dashboard's admin token. */
  adminTokenFile: string;
  temporalUi: string | undefined;
  databaseDescription: string;
  close(): Promise<void>;
}

export async function startDemoStack(options: DemoStackOptions): Promise<DemoStack> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    return await start(options, cleanups, close);
  } catch (error) {
    await close();
    throw error;
  }
}

async function start(
  options: DemoStackOptions,
  cleanups: Array<() => Promise<void>>,
  close: () => Promise<void>,
): Promise<DemoStack> {
  const { logger, runDir } = options;
  const dataDir = path.join(runDir, 'data');
  const outboxDir = path.join(runDir, 'outbox');
  await mkdir(dataDir, { recursive: true });
  const port = await freePort();
  const admin = await demoAdminToken(dataDir);
  const config = demoConfig(options, { dataDir, outboxDir, port, adminToken: admin.token });

  const payloadCodec = payloadCodecFromKeys((await localPayloadKeys(dataDir)).secret);
  const trackingSecret = (await localTrackingSecret(dataDir)).secret;
  const webhookSecret = (await localWebhookSecret(dataDir)).secret;
  const saveToOutbox = outboxWriter(outboxDir);

  // The slow parts side by side: Temporal (on a first run, built with Go), the database with its
  // migrations, and the workflow bundle. Each registers its cleanup as soon as it is up.
  const [temporal, services, workflowBundle] = await allStarted([
    connectTemporal({ logger, dataDir, payloadCodec, address: options.temporalAddress }).then((started) => {
      cleanups.push(started.close);
      return started;
    }),
    startSmtpSink({
      onMessage: async (raw, envelope) => {
        await saveToOutbox(raw, envelope);
        options.onEmail(raw, envelope);
      },
    }).then(async (sink) => {
      cleanups.push(sink.close);
      const opened = await openServices(config, logger, {
        smtpUrl: sink.url,
        trackingSecret,
        serveEmbeddedDatabase: true,
      });
      cleanups.push(opened.close);
      return opened;
    }),
    bundleWorkflowCode({ workflowsPath, logger: quietBundler(logger) }),
  ] as const);

  const metricsRegistry = createMetricsRegistry();
  const worker = await createWorker({
    connection: temporal.nativeConnection,
    namespace: config.temporal.namespace,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: services.activityDeps,
    payloadCodec,
    metrics: createWorkerMetrics(metricsRegistry),
    shutdownGraceMs: 5_000,
    workflowBundle,
  });
  const running = runUntilShutdown(worker, logger);
  cleanups.push(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });

  const app = createAppFromConfig({
    config,
    db: services.database.db,
    client: temporal.client,
    webhookSecret,
    trackingSecret,
    logger,
    campaigns: options.campaigns,
    campaignVersions: options.campaigns,
    payloadCodec,
    metricsRegistry,
  });
  const server = serve({ fetch: app.fetch, hostname: config.HOST, port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));

  return {
    baseUrl: config.PUBLIC_BASE_URL,
    webhookSecret,
    client: temporal.client,
    db: services.database.db,
    config,
    outboxDir,
    adminTokenFile: admin.file,
    temporalUi: temporal.ui,
    databaseDescription: services.database.description,
    close,
  };
}

/**
 * The user's configuration with the demo's own places and pace: the run folder, a free port,
 * the scaled abandonment delay and consent grace, the demo's task queue and shop id, and no rate limits (every
 * simulated customer comes from 127.0.0.1, which a real shop's customers never do).
 */
function demoConfig(
  options: DemoStackOptions,
  where: { dataDir: string; outboxDir: string; port: number; adminToken: string },
): Config {
  const { config } = options;
  return {
    ...config,
    DATA_DIR: where.dataDir,
    OUTBOX_DIR: where.outboxDir,
    DATABASE_URL: options.databaseUrl,
    EMBEDDED_DB_PORT: 0,
    SMTP_URL: undefined,
    HOST: '127.0.0.1',
    PORT: where.port,
    PUBLIC_BASE_URL: `http://127.0.0.1:${where.port}`,
    SHOP_ID: 'demo',
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    ABANDON_AFTER: options.abandonAfterMs,
    CONSENT_GRACE: options.consentGraceMs,
    TRACK_OPENS: true,
    TRACK_CLICKS: true,
    BOUNCE_ADDRESS: undefined,
    SHOP_API_URL: undefined,
    RATE_LIMIT_WEBHOOKS: 'off',
    RATE_LIMIT_TRACKING: 'off',
    RATE_LIMIT_UNSUBSCRIBE: 'off',
    ADMIN_TOKEN: where.adminToken,
    CHECKOUT_API_TOKEN: undefined,
    temporal: options.temporalAddress
      ? { address: options.temporalAddress, namespace: 'default', connection: { address: options.temporalAddress } }
      : { ...config.temporal, address: undefined },
  };
}

/** Like Promise.all, but waits for every start to settle, so none is left running unregistered on failure. */
async function allStarted<T extends readonly unknown[]>(starts: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** The bundler's progress lines only at debug level; its warnings and errors as they are. */
function quietBundler(logger: Logger) {
  const bundler = logger.child({ component: 'workflow-bundler' });
  return {
    trace: (message: string) => bundler.trace(message),
    debug: (message: string) => bundler.debug(message),
    info: (message: string) => bundler.debug(message),
    warn: (message: string) => bundler.warn(message),
    error: (message: string) => bundler.error(message),
    log: (_level: string, message: string) => bundler.debug(message),
  };
}

function runUntilShutdown(worker: Worker, logger: Logger): Promise<void> {
  return worker.run().catch((error: unknown) => logger.error({ err: error }, 'demo worker stopped'));
}

/** The dashboard's bearer token for this run: the demo's data is made up, but the API is still guarded. */
async function demoAdminToken(dataDir: string): Promise<{ token: string; file: string }> {
  const file = path.join(dataDir, 'admin-token');
  const token = randomBytes(24).toString('hex');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return { token, file };
}
