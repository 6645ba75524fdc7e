import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Config } from '../config/env';
import type { Campaign } from '../domain/campaign';
import type { Db } from '../db/client';
import { createApp } from './app';
import { createCartWorkflows } from './cart-workflows';
import { softBounceRule } from '../compliance/bounces';
import { createChainStopper } from '../compliance/chain-stopper';

export interface AppFromConfigInput {
  config: Config;
  db: Db;
  client: Client;
  /** From WEBHOOK_SECRET, or the generated local one under `npm start`. */
  webhookSecret: string;
  /** From TRACKING_SECRET, or the generated local one under `npm start`: verifies link tokens. */
  trackingSecret: string;
  logger: Logger;
  /** The loaded campaign files, newest version of each (see campaigns/load.ts). */
  campaigns: Campaign[];
  /** Every version of every campaign file, for the reports API; default: `campaigns`. */
  campaignVersions?: readonly Campaign[];
  /** The payload encryption codec, served to the Temporal UI by the codec endpoint. */
  payloadCodec?: PayloadCodec;
}

/** The HTTP app wired from configuration, as both `npm start` and `npm run server` run it. */
export function createAppFromConfig(input: AppFromConfigInput) {
  const { config, db, client, webhookSecret, trackingSecret, logger, campaigns } = input;
  return createApp({
    db,
    workflows: createCartWorkflows({
      client,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      abandonAfterMs: config.ABANDON_AFTER,
      campaigns,
    }),
    config: {
      shopId: config.SHOP_ID,
      webhookSecret,
      webhookMaxBytes: config.WEBHOOK_MAX_BYTES,
      webhookToleranceMs: config.WEBHOOK_TOLERANCE,
      trackingSecret,
      sendgridWebhookPublicKey: config.SENDGRID_WEBHOOK_PUBLIC_KEY,
      softBounces: softBounceRule(config),
      trustProxy: config.TRUST_PROXY,
      adminToken: config.ADMIN_TOKEN,
      checkoutApiToken: config.CHECKOUT_API_TOKEN,
      codecCorsOrigin: config.CODEC_CORS_ORIGIN,
    },
    chains: createChainStopper({ db, client }),
    payloadCodec: input.payloadCodec,
    campaignVersions: input.campaignVersions ?? campaigns,
    logger,
  });
}
