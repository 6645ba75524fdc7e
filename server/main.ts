import { type ServerType, serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/env';
import { createLogger } from '../config/logger';
import { openDatabase } from '../db/client';
import { exitWithError, parseNoArguments } from '../cli/process';
import { loadCampaignFiles, requireExternal } from '../cli/services';
import { drainHttpServer, onShutdownSignals } from '../cli/shutdown';
import { requirePayloadCodec } from '../codec/codec-config';
import { createAppFromConfig } from './app-from-config';

// `npm run server`: the HTTP server alone, against external Postgres and Temporal. On SIGTERM it
// stops accepting, answers the requests in flight (SHUTDOWN_GRACE), closes Temporal and the
// database, and exits 0.
parseNoArguments({
  name: 'cartflow server',
  description: 'the HTTP server alone (webhooks, tracking, unsubscribe), against external Postgres and Temporal',
});
try {
  const config = loadConfig();
  requireExternal(config, ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'WEBHOOK_SECRET', 'TRACKING_SECRET']);
  const payloadCodec = requirePayloadCodec(config);
  const logger = createLogger(config.LOG_LEVEL);
  const database = await openDatabase({ url: config.DATABASE_URL as string });
  await database.migrate();
  const campaigns = await loadCampaignFiles(config);
  const connection = await Connection.connect(config.temporal.connection);
  let server: ServerType | undefined;
  const { draining } = onShutdownSignals({
    logger,
    graceMs: config.SHUTDOWN_GRACE,
    begin: () => {
      if (!server) process.exit(0); // not listening yet: nothing in flight
      void drainHttpServer(server, config.SHUTDOWN_GRACE)
        .then(() => connection.close())
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
    client: new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: { payloadCodecs: [payloadCodec] },
    }),
    webhookSecret: config.WEBHOOK_SECRET as string,
    trackingSecret: config.TRACKING_SECRET as string,
    logger,
    campaigns: campaigns.active,
    campaignVersions: campaigns.all,
    payloadCodec,
    draining,
  });
  server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, () =>
    logger.info({ host: config.HOST, port: config.PORT }, 'http server listening'),
  );
} catch (error) {
  exitWithError(error);
}
