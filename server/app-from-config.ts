import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config/env';
import type { Db } from '../db/client';
import { createApp } from './app';
import { createCartWorkflows } from './cart-workflows';

export interface AppFromConfigInput {
  config: Config;
  db: Db;
  client: Client;
  /** From WEBHOOK_SECRET, or the generated local one under `npm start`. */
  webhookSecret: string;
  logger: Logger;
}

/** The HTTP app wired from configuration, as both `npm start` and `npm run server` run it. */
export function createAppFromConfig({ config, db, client, webhookSecret, logger }: AppFromConfigInput) {
  return createApp({
    db,
    workflows: createCartWorkflows({
      client,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      abandonAfterMs: config.ABANDON_AFTER,
      conversionWindowMs: config.CONVERSION_WINDOW,
    }),
    config: {
      shopId: config.SHOP_ID,
      webhookSecret,
      webhookMaxBytes: config.WEBHOOK_MAX_BYTES,
      webhookToleranceMs: config.WEBHOOK_TOLERANCE,
    },
    logger,
  });
}
