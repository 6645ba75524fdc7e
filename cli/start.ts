import path from 'node:path';
import { warnMisspelledVariables } from '../config/misspelled-variables';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { type Config, loadConfig } from '../config/env';
import { createLogger, installTemporalRuntime } from '../config/logger';
import { createMetricsRegistry } from '../metrics/registry';
import { serveMetrics } from '../metrics/serve-metrics';
import { createWorkerMetrics } from '../metrics/worker-metrics';
import { outboxWriter, startSmtpSink } from '../mail/smtp-sink';
import { createAppFromConfig, createRelayFromConfig } from '../server/app-from-config';
import { listenHttp } from '../server/listen';
import { isLoopbackHost, localCodecEndpoint } from '../server/codec-access';
import { createWorker } from '../worker';
import { payloadCodecFromKeys } from '../codec/codec-config';
import { localPayloadKeys, localTrackingSecret, localWebhookSecret } from '../app/dev-secret';
import { EMBEDDED_TEMPORAL_ADDRESS, embeddedTemporalLogFile, startEmbeddedTemporal } from '../app/embedded-temporal';
import { DevServerStartError } from '../app/temporal-dev-server';
import { exitWithError, isMain, parseNoArguments } from '../app/process';
import { reachTemporal } from '../app/temporal-client';
import { startInboundFromConfig } from '../inbound/listener-from-config';
import { loadCampaignFiles, openServices, unsubscribeAddress } from '../app/services';
import { drainHttpServer, onShutdownSignals } from '../app/shutdown';
import { smtpCheck } from '../health/checks';

/**
 * `cartflow start` (`npm start`): the worker and the HTTP server in one process. Whatever is not
 * configured is embedded: a Temporal dev server (with UI), PGlite, and an SMTP sink writing .eml files.
 */
export async function runStart(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  warnMisspelledVariables(logger);
  installTemporalRuntime(logger, config, { ownSignals: true });
  const cleanups: Array<() => Promise<void>> = [];
  const banner: string[] = [];
  // One registry: the server's /metrics shows the worker's series too, as they share this process.
  const metricsRegistry = createMetricsRegistry();

  const keys = config.PAYLOAD_KEYS
    ? { payloadKeys: config.PAYLOAD_KEYS, source: 'PAYLOAD_KEYS' }
    : await localPayloadKeys(config.DATA_DIR).then(({ secret, file }) => ({ payloadKeys: secret, source: file }));
  const payloadCodec = payloadCodecFromKeys(keys.payloadKeys, keys.source);
  const temporal = await connectTemporal(config, logger, payloadCodec);
  cleanups.push(temporal.close);
  banner.push(`Temporal    ${temporal.description}`);
  banner.push(`Payloads    encrypted with key "${payloadCodec.keyId}" (keys from ${keys.source})`);

  let smtpUrl = config.SMTP_URL;
  if (!smtpUrl) {
    const outbox = path.resolve(config.OUTBOX_DIR);
    const sink = await startSmtpSink({ onMessage: outboxWriter(outbox) });
    cleanups.push(sink.close);
    smtpUrl = sink.url;
    banner.push(`Email       SMTP sink ${sink.url}, every email saved as .eml in ${outbox}`);
  } else {
    banner.push(`Email       ${new URL(smtpUrl).host}`);
  }

  const { active: campaigns, all: campaignVersions } = await loadCampaignFiles(config);
  const trackingSecret = config.TRACKING_SECRET ?? (await localTrackingSecret(config.DATA_DIR)).secret;
  const services = await openServices(config, logger, { smtpUrl, trackingSecret, serveEmbeddedDatabase: true });
  cleanups.push(services.close);
  banner.push(`Database    ${services.database.description}`);
  banner.push(`Campaigns   ${campaigns.map((campaign) => `${campaign.id}@${campaign.version}`).join(', ')}`);

  const secret = config.WEBHOOK_SECRET
    ? { secret: config.WEBHOOK_SECRET, source: 'WEBHOOK_SECRET' }
    : await localWebhookSecret(config.DATA_DIR).then(({ secret, file }) => ({ secret, source: file }));

  const worker = await createWorker({
    connection: temporal.nativeConnection,
    namespace: config.temporal.namespace,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: services.activityDeps,
    payloadCodec,
    metrics: createWorkerMetrics(metricsRegistry),
    shutdownGraceMs: config.SHUTDOWN_GRACE,
  });
  let drained: Promise<void> | undefined; // set once a signal came: the HTTP server is draining
  const relay = createRelayFromConfig({
    config,
    db: services.database.db,
    client: temporal.client,
    campaigns,
    logger,
    metricsRegistry,
    // This process holds the embedded folder (another start would have connected through it instead):
    // whatever is claimed at its start, a killed earlier holder claimed.
    soleRelay: services.database.servesEmbedded === true,
  });
  relay.start();
  cleanups.push(relay.stop);
  const app = createAppFromConfig({
    relay,
    config,
    db: services.database.db,
    client: temporal.client,
    webhookSecret: secret.secret,
    trackingSecret,
    logger,
    campaigns,
    campaignVersions,
    payloadCodec,
    metricsRegistry,
    ...(temporal.embedded ? { embeddedTemporalUiPort: config.TEMPORAL_UI_PORT } : {}),
    // This process sends mail too: it is ready only if the SMTP server answers.
    extraReadiness: { smtp: smtpCheck(services.activityDeps.mailer) },
    draining: () => drained !== undefined,
  });
  const server = await listenHttp(app, { host: config.HOST, port: config.PORT });
  // Always on here, on a free local port unless INBOUND_SMTP_PORT fixes one: nothing to collide with.
  const addresses = { unsubscribe: unsubscribeAddress(config), bounce: config.BOUNCE_ADDRESS };
  const inbound = await startInboundFromConfig({
    config,
    port: config.INBOUND_SMTP_PORT ?? 0,
    addresses,
    db: services.database.db,
    client: temporal.client,
    trackingSecret,
    logger,
  });
  cleanups.push(inbound.close);
  banner.push(...(await metricsBanner(config, metricsRegistry, cleanups)));
  banner.push(
    `Webhooks    POST http://${config.HOST}:${config.PORT}/webhooks/cart (secret from ${secret.source})`,
    `Dashboard   http://${config.HOST}:${config.PORT}/admin/dashboard ` +
      (config.ADMIN_TOKEN ? '(asks for ADMIN_TOKEN)' : '(off: set ADMIN_TOKEN, 24+ characters, to open it)'),
    `Inbound     SMTP ${inbound.host}:${inbound.port} for ${addresses.unsubscribe}` +
      (addresses.bounce ? ` and VERP bounces to ${addresses.bounce}` : ' (bounces: set BOUNCE_ADDRESS)'),
    `Abandoned   after ${config.ABANDON_AFTER / 1000}s of inactivity (ABANDON_AFTER)`,
  );
  process.stdout.write(`\ncartflow is running\n${banner.map((line) => `  ${line}`).join('\n')}\n\n`);

  // One signal stops the worker (in-flight activities get SHUTDOWN_GRACE) and drains the HTTP
  // server; everything else is closed after them, even when the worker fails (Ctrl-C also stops
  // the embedded Temporal server under it): closing the database is what releases
  // DATA_DIR/pglite.lock. tsx relays a Ctrl-C to us that we already got: onShutdownSignals counts
  // that copy as the same signal, so it cannot end the process before the database is closed. A
  // second Ctrl-C of its own exits at once (the next start recovers the lock it leaves).
  const drain = () => (drained ??= drainHttpServer(server, config.SHUTDOWN_GRACE));
  onShutdownSignals({
    logger,
    graceMs: config.SHUTDOWN_GRACE,
    begin: () => {
      void drain();
      if (worker.getState() === 'RUNNING') worker.shutdown();
    },
  });
  try {
    await worker.run();
  } finally {
    await drain();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/** Where each kind of metrics is served, starting the separate metrics port when one is set. */
async function metricsBanner(
  config: Config,
  registry: Parameters<typeof serveMetrics>[0]['registry'],
  cleanups: Array<() => Promise<void>>,
): Promise<string[]> {
  const where: string[] = [];
  if (config.METRICS) where.push(`http://${config.HOST}:${config.PORT}/metrics`);
  if (config.METRICS_PORT) {
    const server = await serveMetrics({ registry, host: config.METRICS_HOST, port: config.METRICS_PORT });
    cleanups.push(server.close);
    where.push(server.url);
  }
  if (config.TEMPORAL_METRICS_PORT) {
    where.push(`Temporal SDK http://${config.METRICS_HOST}:${config.TEMPORAL_METRICS_PORT}/metrics`);
  }
  return where.length > 0 ? [`Metrics     ${where.join(', ')}`] : [];
}

interface TemporalConnections {
  client: Client;
  nativeConnection: NativeConnection;
  description: string;
  /** The dev server started here, whose UI is ours to configure. */
  embedded: boolean;
  close: () => Promise<void>;
}

async function connectTemporal(
  config: Config,
  logger: Logger,
  payloadCodec: PayloadCodec,
): Promise<TemporalConnections> {
  if (config.temporal.address) {
    const connectionOptions = config.temporal.connection;
    const address = config.temporal.address;
    const nativeConnection = await reachTemporal(address, () => NativeConnection.connect(connectionOptions));
    const connection = await reachTemporal(address, () => Connection.connect(connectionOptions));
    return {
      client: new Client({
        connection,
        namespace: config.temporal.namespace,
        dataConverter: { payloadCodecs: [payloadCodec] },
      }),
      nativeConnection,
      description: `${config.temporal.address} (namespace ${config.temporal.namespace})`,
      embedded: false,
      close: async () => {
        await nativeConnection.close();
        await connection.close();
      },
    };
  }
  const port = Number(EMBEDDED_TEMPORAL_ADDRESS.split(':')[1]);
  logger.info(
    { log: embeddedTemporalLogFile(config.DATA_DIR) },
    'starting the embedded Temporal dev server (first run builds it; this can take minutes)',
  );
  const env = await startEmbeddedTemporal({
    dataDir: config.DATA_DIR,
    port,
    uiPort: config.TEMPORAL_UI_PORT,
    logger,
    payloadCodec,
    uiCodecEndpoint: localCodecEndpoint({ host: config.HOST, port: config.PORT }),
    startTimeoutMs: config.TEMPORAL_START_TIMEOUT,
  }).catch((error: unknown) => {
    // The one thing the operator can change about a server that is merely slow: the wait.
    if (error instanceof DevServerStartError && error.failure === 'deadline') {
      const wait = `${config.TEMPORAL_START_TIMEOUT / 1000}s`;
      const hint = `On a slow machine, allow it longer: TEMPORAL_START_TIMEOUT (now ${wait}; docs/configuration.md).`;
      throw new DevServerStartError('deadline', `${error.message}\n${hint}`);
    }
    throw error;
  });
  // The same conditions as the codec endpoint's token-less local access (server/app-from-config.ts).
  const decoding = config.ADMIN_TOKEN
    ? 'payloads encrypted in the UI while ADMIN_TOKEN is set: docs/privacy.md'
    : !isLoopbackHost(config.HOST)
      ? 'payloads encrypted in the UI while HOST is not loopback: docs/privacy.md'
      : `payloads decoded by ${localCodecEndpoint({ host: config.HOST, port: config.PORT })}`;
  return {
    client: env.client,
    nativeConnection: env.nativeConnection,
    description: `embedded dev server ${EMBEDDED_TEMPORAL_ADDRESS}, UI http://127.0.0.1:${config.TEMPORAL_UI_PORT} (${decoding})`,
    embedded: true,
    close: () => env.teardown(),
  };
}

// Run directly by the process tests (test/integration/embedded-database.test.ts).
if (isMain(import.meta.url)) {
  parseNoArguments({
    name: 'cartflow start',
    description:
      'the worker and the HTTP server in one process; embeds Temporal, PGlite and an SMTP sink when not configured',
  });
  runStart().then(() => process.exit(0), exitWithError);
}
