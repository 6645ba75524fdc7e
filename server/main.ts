import type { ServerType } from '@hono/node-server';
import { warnMisspelledVariables } from '../config/misspelled-variables';
import { loadConfig } from '../config/env';
import { ServerVariables, requireExternal } from '../config/require-external';
import { createLogger } from '../config/logger';
import { exitWithError, isMain, parseNoArguments } from '../app/process';
import { loadCampaignFiles, openMigratedDatabase, unsubscribeAddress } from '../app/services';
import { connectTemporalClient } from '../app/temporal-client';
import { drainHttpServer, onShutdownSignals } from '../app/shutdown';
import { requirePayloadCodec } from '../codec/codec-config';
import { startInboundFromConfig } from '../inbound/listener-from-config';
import { createMetricsRegistry } from '../metrics/registry';
import { serveMetrics } from '../metrics/serve-metrics';
import { createAppFromConfig, createRelayFromConfig } from './app-from-config';
import { listenHttp } from './listen';

/**
 * `cartflow server` (`npm run server`): the HTTP server alone, against external Postgres and
 * Temporal, with its outbox relay. On SIGTERM it stops accepting, answers the requests in flight
 * (SHUTDOWN_GRACE), closes the inbound SMTP listener and the metrics port, stops the relay
 * (undelivered events stay in the outbox for the next process), closes Temporal and the database,
 * and exits 0.
 */
export async function runServer(): Promise<void> {
  const config = requireExternal(loadConfig(), ServerVariables);
  const payloadCodec = requirePayloadCodec(config);
  const logger = createLogger(config.LOG_LEVEL);
  warnMisspelledVariables(logger);
  const database = await openMigratedDatabase(config);
  const campaigns = await loadCampaignFiles(config);
  const temporal = await connectTemporalClient(config, payloadCodec);
  const { client } = temporal;
  const metricsRegistry = createMetricsRegistry();
  const metricsServer = config.METRICS_PORT
    ? await serveMetrics({ registry: metricsRegistry, host: config.METRICS_HOST, port: config.METRICS_PORT })
    : undefined;
  // Mailto unsubscribes and bounces arrive as email: only where the operator pointed MX here.
  const inbound =
    config.INBOUND_SMTP_PORT === undefined
      ? undefined
      : await startInboundFromConfig({
          config,
          port: config.INBOUND_SMTP_PORT,
          addresses: { unsubscribe: unsubscribeAddress(config), bounce: config.BOUNCE_ADDRESS },
          db: database.db,
          client,
          trackingSecret: config.TRACKING_SECRET,
          logger,
        });
  if (inbound) logger.info({ host: inbound.host, port: inbound.port }, 'inbound smtp listening');
  // This process also hands the events its webhooks (and any other process's) stored to Temporal,
  // unless OUTBOX_RELAY=off leaves that to `cartflow relay` processes.
  const ownRelay = config.OUTBOX_RELAY === 'on';
  const relay = createRelayFromConfig({
    config,
    db: database.db,
    client,
    campaigns: campaigns.active,
    logger,
    metricsRegistry,
  });
  if (ownRelay) relay.start();
  let server: ServerType | undefined;
  const { draining } = onShutdownSignals({
    logger,
    graceMs: config.SHUTDOWN_GRACE,
    begin: () => {
      if (!server) process.exit(0); // not listening yet: nothing in flight
      void drainHttpServer(server, config.SHUTDOWN_GRACE)
        .then(() => Promise.all([inbound?.close(), metricsServer?.close(), relay.stop()]))
        .then(() => temporal.close())
        .then(() => database.close())
        .then(() => {
          logger.info('http server stopped');
          process.exit(0);
        }, exitWithError);
    },
  });
  const app = createAppFromConfig({
    config,
    db: database.db,
    client,
    webhookSecret: config.WEBHOOK_SECRET,
    trackingSecret: config.TRACKING_SECRET,
    logger,
    campaigns: campaigns.active,
    campaignVersions: campaigns.all,
    payloadCodec,
    metricsRegistry,
    relay: ownRelay ? relay : { wake() {} },
    draining,
  });
  server = await listenHttp(app, { host: config.HOST, port: config.PORT });
  logger.info({ host: config.HOST, port: config.PORT }, 'http server listening');
}

// Run directly by the process tests (graceful-shutdown, log-privacy).
if (isMain(import.meta.url)) {
  parseNoArguments({
    name: 'cartflow server',
    description: 'the HTTP server alone (webhooks, tracking, unsubscribe), against external Postgres and Temporal',
  });
  runServer().catch(exitWithError);
}
