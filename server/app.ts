import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { CartEvent } from '../domain/events';
import { acceptCartEvent } from './accept-cart-event';
import type { CartWorkflows } from './cart-workflows';
import type { ChainStopper } from '../compliance/chain-stopper';
import { readSignedBody } from './signed-request';
import { invalidPayload, payloadIssues } from './invalid-payload';
import { mountDeliveryRoutes, tooLarge } from './delivery-routes';
import { mountTrackingRoutes } from './tracking-routes';
import type { PayloadCodec } from '@temporalio/common';
import { adminRoutes } from './admin-routes';
import { codecRoutes } from './codec-routes';
import { unsubscribeRoutes } from './unsubscribe-routes';
import type { Campaign } from '../domain/campaign';
import { dashboardRoutes } from './dashboard-routes';
import { reportRoutes } from './report-routes';
import { type ShopifyConfig, shopifyRoutes } from './shopify-routes';

export interface AppConfig {
  shopId: string;
  webhookSecret: string;
  webhookMaxBytes: number;
  webhookToleranceMs: number;
  /** Verifies tracked-link, pixel and unsubscribe tokens (TRACKING_SECRET). */
  trackingSecret?: string;
  /** SENDGRID_WEBHOOK_PUBLIC_KEY: enables POST /webhooks/sendgrid. */
  sendgridWebhookPublicKey?: string;
  /** SOFT_BOUNCE_LIMIT within SOFT_BOUNCE_WINDOW suppresses an address (defaults: 3 in 7 days). */
  softBounces?: { limit: number; windowMs: number };
  /** TRUST_PROXY: tracking takes the client's network from X-Forwarded-For. */
  trustProxy?: boolean;
  /** Bearer token of the privacy API, the reports API and the codec endpoint (ADMIN_TOKEN); unset disables them. */
  adminToken?: string;
  /** The Temporal UI origin allowed to call the codec endpoint (CODEC_CORS_ORIGIN). */
  codecCorsOrigin?: string;
  /** SHOPIFY_*: enables POST /webhooks/shopify. */
  shopify?: ShopifyConfig;
}

export interface AppDeps {
  db: Db;
  workflows: CartWorkflows;
  config: AppConfig;
  logger: Logger;
  /** Stops a customer's running chains on unsubscribe, bounce or erasure. */
  chains?: ChainStopper;
  /** The workflow payload codec, served to the Temporal UI at /codec/decode and /codec/encode. */
  payloadCodec?: PayloadCodec;
  /** Every version of every campaign file, for the reports API (planned splits, judged metric). */
  campaignVersions?: readonly Campaign[];
  now?: () => number;
}

export function createApp({
  db,
  workflows,
  config,
  logger,
  chains,
  payloadCodec,
  campaignVersions = [],
  now = Date.now,
}: AppDeps) {
  const app = new Hono();
  app.route('/admin', adminRoutes({ db, config, logger, chains }));
  app.route('/admin', reportRoutes({ db, config, campaigns: campaignVersions, now }));
  app.route('/admin', dashboardRoutes());
  app.route('/codec', codecRoutes({ codec: payloadCodec, config, logger }));

  app.get('/health', (c) => c.json({ status: 'ok' }));
  // Tracked links, the pixel and unsubscribe links only exist where a secret signs them.
  if (config.trackingSecret) {
    const secret = config.trackingSecret;
    mountTrackingRoutes(app, { db, secret, trustProxy: config.trustProxy ?? false, logger, now });
    app.route('/u', unsubscribeRoutes({ db, secret, chains, logger, now }));
  }

  app.post(
    '/webhooks/cart',
    bodyLimit({
      maxSize: config.webhookMaxBytes,
      onError: (c) =>
        c.json({ error: 'payload_too_large', message: `${tooLarge(config.webhookMaxBytes)} (WEBHOOK_MAX_BYTES)` }, 413),
    }),
    async (c) => {
      const signed = await readSignedBody(c, config, now());
      if (!signed.ok) return signed.response;
      const { body } = signed;

      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
      } catch {
        return c.json({ error: 'invalid_json', message: 'body must be a UTF-8 JSON document' }, 400);
      }
      const parsed = CartEvent.safeParse(json);
      if (!parsed.success) return invalidPayload(c, payloadIssues(parsed.error));

      return acceptCartEvent(
        c,
        { db, workflows, logger, shopId: config.shopId, now },
        { event: parsed.data, payload: json },
      );
    },
  );

  if (config.shopify) {
    const shopify = config.shopify;
    app.route(
      '/webhooks/shopify',
      shopifyRoutes({ db, workflows, config: { ...config, shopify }, logger, chains, now }),
    );
  }

  mountDeliveryRoutes(app, { db, config, logger, chains, now });

  app.notFound((c) => c.json({ error: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    logger.error({ err: error, path: c.req.path }, 'request failed');
    return c.json({ error: 'internal_error', message: 'the request could not be processed; retry later' }, 500);
  });

  return app;
}
