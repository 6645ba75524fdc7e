import { sentCopiesOf } from '../mail/outbox-files';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Config } from '../config/env';
import type { Campaign } from '../domain/campaign';
import type { Db } from '../db/client';
import type { Registry } from 'prom-client';
import { createMetricsRegistry } from '../metrics/registry';
import { createServerMetrics } from '../metrics/server-metrics';
import { createRelayMetrics } from '../metrics/relay-metrics';
import { outboxBacklog } from '../db/outbox-store';
import { createApp } from './app';
import { embeddedUiOrigins, isLoopbackHost } from './codec-access';
import type { ShopifyConfig } from './shopify-routes';
import { createCartWorkflows } from './cart-workflows';
import { createOutboxRelay, type OutboxWake } from './outbox-relay';
import { softBounceRule } from '../app/bounces';
import { createChainStopper } from '../app/chain-stopper';
import { createShopCampaigns } from '../app/shop-campaigns';
import { cartSearchAttributeKeys } from '../app/search-attributes';
import { databaseCheck, type HealthCheck, migrationsCheck, temporalCheck } from '../health/checks';

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
  /** The process's metrics registry (shared with the worker under `npm start`); default: a new one. */
  metricsRegistry?: Registry;
  /** `npm start` runs the embedded Temporal dev server, whose web UI is on this port. */
  embeddedTemporalUiPort?: number;
  /** Checks beyond database, migrations and Temporal: `npm start` sends mail, so it adds SMTP. */
  extraReadiness?: Record<string, HealthCheck>;
  /** The process's running outbox relay (createRelayFromConfig), woken by each stored event. */
  relay?: OutboxWake;
  /** True once the process is shutting down (see createApp). */
  draining?: () => boolean;
}

function cartWorkflowsFromConfig(input: Pick<AppFromConfigInput, 'config' | 'client' | 'campaigns' | 'db'>) {
  return createCartWorkflows({
    client: input.client,
    taskQueue: input.config.TEMPORAL_TASK_QUEUE,
    abandonAfterMs: input.config.ABANDON_AFTER,
    campaigns: input.campaigns,
    shopCampaigns: createShopCampaigns({ db: input.db, defaultShopId: input.config.SHOP_ID }),
  });
}

/**
 * The outbox relay of a server process (`npm start`, `npm run server`); the caller starts it
 * and stops it before closing Temporal and the database.
 */
export function createRelayFromConfig(
  input: Pick<AppFromConfigInput, 'config' | 'db' | 'client' | 'campaigns' | 'logger' | 'metricsRegistry'> & {
    /** See OutboxRelayOptions.soleRelay: only `npm start` on the embedded database. */
    soleRelay?: boolean;
  },
) {
  const { db, config, metricsRegistry } = input;
  return createOutboxRelay({
    db,
    workflows: cartWorkflowsFromConfig(input),
    logger: input.logger,
    pollMs: config.OUTBOX_POLL,
    retentionMs: config.OUTBOX_RETENTION,
    relayYield: config.OUTBOX_BUSY_RATE,
    yieldMaxLagMs: config.OUTBOX_YIELD_MAX_LAG,
    soleRelay: input.soleRelay ?? false,
    ...(config.METRICS && metricsRegistry
      ? { metrics: createRelayMetrics(metricsRegistry, () => outboxBacklog(db)) }
      : {}),
  });
}

/** The HTTP app wired from configuration, as both `npm start` and `npm run server` run it. */
export function createAppFromConfig(input: AppFromConfigInput) {
  const { config, db, client, webhookSecret, trackingSecret, logger } = input;
  return createApp({
    db,
    workflows: cartWorkflowsFromConfig(input),
    relay: input.relay,
    config: {
      shopId: config.SHOP_ID,
      webhookSecret,
      webhookMaxBytes: config.WEBHOOK_MAX_BYTES,
      shopifyWebhookMaxBytes: config.SHOPIFY_WEBHOOK_MAX_BYTES,
      webhookToleranceMs: config.WEBHOOK_TOLERANCE,
      trackingSecret,
      sendgridWebhookPublicKey: config.SENDGRID_WEBHOOK_PUBLIC_KEY,
      softBounces: softBounceRule(config),
      trustProxy: config.TRUST_PROXY,
      adminToken: config.ADMIN_TOKEN,
      checkoutApiToken: config.CHECKOUT_API_TOKEN,
      codecCorsOrigin: config.CODEC_CORS_ORIGIN,
      metricsToken: config.METRICS_TOKEN,
      ...localCodecAccess(config, input.embeddedTemporalUiPort),
      rateLimits: {
        webhooks: config.RATE_LIMIT_WEBHOOKS,
        tracking: config.RATE_LIMIT_TRACKING,
        unsubscribe: config.RATE_LIMIT_UNSUBSCRIBE,
      },
      shopify: shopifyConfig(config),
    },
    readiness: {
      database: databaseCheck(db),
      migrations: migrationsCheck(db),
      temporal: temporalCheck({
        connection: client.connection,
        namespace: config.temporal.namespace,
        searchAttributes: cartSearchAttributeKeys,
      }),
      ...input.extraReadiness,
    },
    draining: input.draining,
    chains: createChainStopper({ db, client }),
    sentCopies: sentCopiesOf({ smtpUrl: config.SMTP_URL, outboxDir: config.OUTBOX_DIR }),
    payloadCodec: input.payloadCodec,
    ...(config.METRICS ? { metrics: createServerMetrics(input.metricsRegistry ?? createMetricsRegistry()) } : {}),
    campaignVersions: input.campaignVersions ?? input.campaigns,
    logger,
  });
}

/**
 * The embedded UI decodes payloads without a token only where nothing but this machine reaches
 * the server, and only while no ADMIN_TOKEN says that access needs one.
 */
function localCodecAccess(config: Config, uiPort: number | undefined) {
  if (uiPort === undefined || config.ADMIN_TOKEN || !isLoopbackHost(config.HOST)) return {};
  return { codecLocalUiOrigins: embeddedUiOrigins(uiPort) };
}

function shopifyConfig(config: Config): ShopifyConfig | undefined {
  if (!config.SHOPIFY_CLIENT_SECRET) return undefined;
  return {
    clientSecrets: [config.SHOPIFY_CLIENT_SECRET, config.SHOPIFY_CLIENT_SECRET_PREVIOUS].filter(
      (secret): secret is string => secret !== undefined,
    ),
    shopDomain: config.SHOPIFY_SHOP_DOMAIN,
    storeUrl: config.SHOPIFY_STORE_URL,
    currencies: config.SHOPIFY_CURRENCIES,
  };
}
