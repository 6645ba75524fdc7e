import { loadConfig } from '../config/env';
import { warnMisspelledVariables } from '../config/misspelled-variables';
import { RelayVariables, requireExternal } from '../config/require-external';
import { createLogger } from '../config/logger';
import { exitWithError, isMain, parseNoArguments } from '../app/process';
import { loadCampaignFiles, openMigratedDatabase } from '../app/services';
import { connectTemporalClient } from '../app/temporal-client';
import { onShutdownSignals } from '../app/shutdown';
import { requirePayloadCodec } from '../codec/codec-config';
import { createMetricsRegistry } from '../metrics/registry';
import { serveMetrics } from '../metrics/serve-metrics';
import { lowerPriority } from '../app/lower-priority';
import { createRelayFromConfig } from './app-from-config';

/**
 * `cartflow relay`: the outbox relay alone, against external Postgres and Temporal. With
 * OUTBOX_RELAY=off on the HTTP servers, intake only stores events and this process (one or
 * several: they share the outbox through SKIP LOCKED claims) hands them to Temporal, so delivery's
 * CPU and Temporal's latency never reach the webhooks' answers. It runs at a lower CPU priority
 * (OUTBOX_RELAY_NICE) and yields to a burst of webhooks (OUTBOX_BUSY_RATE). On SIGTERM it finishes the batch
 * in flight, closes Temporal and the database, and exits 0; undelivered events stay in the outbox.
 */
export async function runRelay(): Promise<void> {
  const config = requireExternal(loadConfig(), RelayVariables);
  const payloadCodec = requirePayloadCodec(config);
  const logger = createLogger(config.LOG_LEVEL);
  warnMisspelledVariables(logger);
  // Before the database and Temporal connections exist, so every thread they start inherits it.
  const nice = lowerPriority(config.OUTBOX_RELAY_NICE, logger);
  const database = await openMigratedDatabase(config);
  const campaigns = await loadCampaignFiles(config);
  const temporal = await connectTemporalClient(config, payloadCodec);
  const metricsRegistry = createMetricsRegistry();
  const metricsServer = config.METRICS_PORT
    ? await serveMetrics({ registry: metricsRegistry, host: config.METRICS_HOST, port: config.METRICS_PORT })
    : undefined;
  const relay = createRelayFromConfig({
    config,
    db: database.db,
    client: temporal.client,
    campaigns: campaigns.active,
    logger,
    metricsRegistry,
  });
  onShutdownSignals({
    logger,
    graceMs: config.SHUTDOWN_GRACE,
    begin: () => {
      void Promise.all([relay.stop(), metricsServer?.close()])
        .then(() => temporal.close())
        .then(() => database.close())
        .then(() => {
          logger.info('outbox relay stopped');
          process.exit(0);
        }, exitWithError);
    },
  });
  relay.start();
  logger.info(
    {
      pollMs: config.OUTBOX_POLL,
      nice,
      busyRate: config.OUTBOX_BUSY_RATE === 'off' ? 'off' : config.OUTBOX_BUSY_RATE.busyRate,
      yieldMaxLagMs: config.OUTBOX_YIELD_MAX_LAG,
    },
    'outbox relay running',
  );
}

if (isMain(import.meta.url)) {
  parseNoArguments({
    name: 'cartflow relay',
    description: 'the outbox relay alone: delivers stored webhook events to Temporal',
  });
  runRelay().catch(exitWithError);
}
