import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { ConfigError, loadConfig } from '../config/env';
import { createLogger } from '../config/logger';
import { openDatabase } from '../db/client';
import { requireExternal } from '../cli/services';
import { createApp } from './app';
import { createCartWorkflows } from './cart-workflows';

// `npm run server`: the HTTP server alone, against external Postgres and Temporal.
try {
  const config = loadConfig();
  requireExternal(config, ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'WEBHOOK_SECRET']);
  const logger = createLogger(config.LOG_LEVEL);
  const database = await openDatabase({ url: config.DATABASE_URL as string });
  await database.migrate();
  const connection = await Connection.connect(config.temporal.connection);
  const app = createApp({
    db: database.db,
    workflows: createCartWorkflows({
      client: new Client({ connection, namespace: config.temporal.namespace }),
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      abandonAfterMs: config.ABANDON_AFTER,
      conversionWindowMs: config.CONVERSION_WINDOW,
    }),
    config: {
      shopId: config.SHOP_ID,
      webhookSecret: config.WEBHOOK_SECRET as string,
      webhookMaxBytes: config.WEBHOOK_MAX_BYTES,
      webhookToleranceMs: config.WEBHOOK_TOLERANCE,
    },
    logger,
  });
  const server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, () =>
    logger.info({ host: config.HOST, port: config.PORT }, 'http server listening'),
  );
  const stop = () => {
    server.close(() => {
      void Promise.all([connection.close(), database.close()]).then(() => process.exit(0));
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  const message = error instanceof ConfigError ? error.message : `failed to start: ${(error as Error).message}`;
  process.stderr.write(`cartflow: ${message}\n`);
  process.exit(1);
}
