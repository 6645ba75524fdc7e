import type { SentCopies } from '../mail/outbox-files';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { unavailableCodeOf } from '../db/unavailable';
import { CustomerConsentUpdatedEvent, WebhookCartEvent, isConsentUpdate } from '../domain/events';
import { acceptCartEvent } from './accept-cart-event';
import { acceptConsentUpdate } from './consent-webhook';
import { createIntakeStore } from './intake-store';
import type { CartWorkflows } from './cart-workflows';
import { createOutboxRelay, type OutboxWake } from './outbox-relay';
import type { ChainStopper } from '../app/chain-stopper';
import { readSignedBody } from './signed-request';
import { limitedRawBody } from './raw-body';
import { readJsonBody } from './json-body';
import { invalidPayload, payloadIssues } from './invalid-payload';
import { mountDeliveryRoutes, tooLarge } from './delivery-routes';
import { mountTrackingRoutes } from './tracking-routes';
import type { PayloadCodec } from '@temporalio/common';
import { adminRoutes } from './admin-routes';
import { checkoutRoutes } from './checkout-routes';
import { codecRoutes } from './codec-routes';
import { unsubscribeRoutes } from './unsubscribe-routes';
import type { Campaign } from '../domain/campaign';
import { dashboardRoutes } from './dashboard-routes';
import { reportRoutes } from './report-routes';
import { metricsRoute } from './metrics-route';
import { type ServerMetrics, routeGroupOf } from '../metrics/server-metrics';
import { DEFAULT_RATE_LIMITS, type RateLimit } from '../config/env';
import { databaseCheck, type HealthCheck, migrationsCheck } from '../health/checks';
import { healthRoutes } from '../health/routes';
import { rateLimit } from './rate-limit';
import { securityHeaders } from './security-headers';
import { type ShopifyConfig, shopifyRoutes } from './shopify-routes';
import { webhookOpenApi } from './webhook-openapi';
import { createShopResolver, type ShopResolver } from './shop-resolver';
import { shopOfRequest } from './request-shop';
import { withDefaultLocale } from '../domain/shop';

export interface AppConfig {
  shopId: string;
  webhookSecret: string;
  webhookMaxBytes: number;
  /** SHOPIFY_WEBHOOK_MAX_BYTES: POST /webhooks/shopify's limit; default webhookMaxBytes. */
  shopifyWebhookMaxBytes?: number;
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
  /** Bearer token of the checkout discount API (CHECKOUT_API_TOKEN); unset disables it. */
  checkoutApiToken?: string;
  /** The Temporal UI origin allowed to call the codec endpoint (CODEC_CORS_ORIGIN). */
  codecCorsOrigin?: string;
  /**
   * The embedded Temporal UI's origins, set by `npm start` only when ADMIN_TOKEN is unset and the
   * server is on loopback: that UI and local clients use the codec without a token (docs/privacy.md).
   */
  codecLocalUiOrigins?: readonly string[];
  /** METRICS_TOKEN: when set, GET /metrics needs it as a bearer token. */
  metricsToken?: string;
  /** RATE_LIMIT_*: token buckets per client network and route group; default DEFAULT_RATE_LIMITS. */
  rateLimits?: { webhooks: RateLimit | 'off'; tracking: RateLimit | 'off'; unsubscribe: RateLimit | 'off' };
  /** SHOPIFY_*: the default shop's Shopify webhooks (POST /webhooks/shopify also serves the shops table's Shopify shops). */
  shopify?: ShopifyConfig;
}

export interface AppDeps {
  db: Db;
  /** What the outbox relay delivers events to; the webhooks only name the journeys from it. */
  workflows: CartWorkflows;
  /**
   * The process's running outbox relay, woken after each stored event. Default: a relay over
   * `workflows` that delivers only when woken (no polling, no retries) — for tests.
   */
  relay?: OutboxWake;
  config: AppConfig;
  logger: Logger;
  /** Stops a customer's running chains on unsubscribe, bounce or erasure. */
  chains?: ChainStopper;
  /** Copies of sent emails an erasure deletes too (`npm start`'s .eml files). */
  sentCopies?: SentCopies;
  /** The workflow payload codec, served to the Temporal UI at /codec/decode and /codec/encode. */
  payloadCodec?: PayloadCodec;
  /** Every version of every campaign file, for the reports API (planned splits, judged metric). */
  campaignVersions?: readonly Campaign[];
  /** Request latency, webhooks, tracking hits and unsubscribes; served at GET /metrics (METRICS). */
  metrics?: ServerMetrics;
  /**
   * Finds each webhook's shop and its secrets. Default: the shop of `config` (SHOP_ID,
   * WEBHOOK_SECRET, SHOPIFY_*) and the `shops` table (docs/shops.md).
   */
  shops?: ShopResolver;
  /** What GET /readyz checks; default: the database answers and its migrations are current. */
  readiness?: Record<string, HealthCheck>;
  /** True once the process is shutting down: /readyz answers 503 and connections are not kept alive. */
  draining?: () => boolean;
  now?: () => number;
}

/** Seconds a client should wait after a database outage answered 503 (as a webhook's, accept-cart-event.ts). */
const DATABASE_RETRY_AFTER_S = 5;

export function createApp({
  db,
  workflows,
  config,
  logger,
  relay = createOutboxRelay({ db, workflows, logger }),
  chains,
  sentCopies,
  payloadCodec,
  campaignVersions = [],
  metrics,
  readiness = { database: databaseCheck(db), migrations: migrationsCheck(db) },
  draining = () => false,
  now = Date.now,
  shops = createShopResolver({
    db,
    defaultShop: { shopId: config.shopId, secrets: [config.webhookSecret] },
    ...(config.shopify
      ? {
          defaultShopify: {
            secrets: config.shopify.clientSecrets,
            shopDomain: config.shopify.shopDomain,
            currencies: config.shopify.currencies,
            storeUrl: config.shopify.storeUrl,
          },
        }
      : {}),
  }),
}: AppDeps) {
  // One group commit per app: concurrent webhooks (cart and Shopify) share transactions.
  const store = createIntakeStore({ db, logger, metrics });
  const app = new Hono();
  app.use('*', securityHeaders());
  app.use('*', async (c, next) => {
    await next();
    // A keep-alive connection would hold the stopping server open after its last answer.
    if (draining()) c.header('Connection', 'close');
  });
  const trustProxy = config.trustProxy ?? false;
  const limits = config.rateLimits ?? DEFAULT_RATE_LIMITS;
  app.use('/webhooks/*', rateLimit('webhook', limits.webhooks, { trustProxy, now }));
  app.use('/t/*', rateLimit('tracking', limits.tracking, { trustProxy, now }));
  app.use('/u/*', rateLimit('unsubscribe', limits.unsubscribe, { trustProxy, now }));

  if (metrics) {
    app.use('*', metrics.middleware);
    app.get('/metrics', metricsRoute(metrics.registry, config.metricsToken));
  }
  app.route('/admin', adminRoutes({ db, config, shops, logger, chains, sentCopies }));
  app.route('/admin', reportRoutes({ db, config, shops, campaigns: campaignVersions, now }));
  app.route('/admin', dashboardRoutes({ enabled: Boolean(config.adminToken) }));
  app.route('/checkout', checkoutRoutes({ db, config, logger, shops }));
  app.route('/codec', codecRoutes({ codec: payloadCodec, config, logger }));

  app.route('/', healthRoutes({ checks: readiness, logger, draining }));
  // The path docker-compose probed before /healthz existed.
  app.get('/health', (c) => c.json({ status: 'ok' }));
  // Tracked links, the pixel and unsubscribe links only exist where a secret signs them.
  if (config.trackingSecret) {
    const secret = config.trackingSecret;
    mountTrackingRoutes(app, { db, secret, trustProxy, logger, metrics, now });
    app.route('/u', unsubscribeRoutes({ db, secret, chains, logger, metrics, now }));
  }

  // The contract of POST /webhooks/cart (public: it holds no data), generated from its zod schemas.
  const contract = webhookOpenApi();
  app.get('/webhooks/openapi.json', (c) => {
    c.header('X-Content-Type-Options', 'nosniff');
    return c.json(contract);
  });

  app.post(
    '/webhooks/cart',
    limitedRawBody({
      maxSize: config.webhookMaxBytes,
      onError: (c) =>
        c.json({ error: 'payload_too_large', message: `${tooLarge(config.webhookMaxBytes)} (WEBHOOK_MAX_BYTES)` }, 413),
    }),
    async (c) => {
      const requested = await shopOfRequest(c, { shops, unknownStatus: 403, consequence: '; nothing was stored' });
      if (!requested.ok) return requested.response;
      const { shop } = requested;
      const signed = await readSignedBody(c, { ...config, webhookSecrets: shop.secrets }, now());
      if (!signed.ok) return signed.response;
      const { body } = signed;

      const read = readJsonBody(body);
      if (!read.ok) return c.json({ error: 'invalid_json', message: read.message }, 400);
      const json = read.value;
      if (isConsentUpdate(json)) {
        const consent = CustomerConsentUpdatedEvent.safeParse(json);
        if (!consent.success) return invalidPayload(c, payloadIssues(consent.error));
        return acceptConsentUpdate(c, { db, chains, logger, shopId: shop.shopId, now }, consent.data);
      }
      const parsed = WebhookCartEvent.safeParse(withDefaultLocale(json, shop.defaultLocale));
      if (!parsed.success) return invalidPayload(c, payloadIssues(parsed.error));

      return acceptCartEvent(
        c,
        { db, store, workflows, relay, logger, shopId: shop.shopId, now },
        { event: parsed.data, payload: json },
      );
    },
  );

  // Always mounted: the shops table may hold Shopify shops even when SHOPIFY_* is unset.
  app.route(
    '/webhooks/shopify',
    shopifyRoutes({ db, store, workflows, relay, config, shops, logger, chains, sentCopies, now }),
  );

  mountDeliveryRoutes(app, { db, config, shops, logger, chains, now });

  app.notFound((c) => c.json({ error: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    // The route group, not the path: tracking and unsubscribe paths carry signed tokens.
    const where = { route: routeGroupOf(c.req.path), method: c.req.method };
    const outage = unavailableCodeOf(error);
    if (outage) {
      // Not a fault of the request, nor a bug: every route answers a database outage the way the
      // webhook does, so that a shop, Shopify or a mailbox provider retries. Only the error's code:
      // drizzle's message carries the statement's parameters (emails).
      logger.warn({ ...where, code: outage }, 'database unavailable; request not served');
      c.header('Retry-After', String(DATABASE_RETRY_AFTER_S));
      return c.json(
        { error: 'temporarily_unavailable', message: 'the database is unavailable; nothing was changed, retry later' },
        503,
      );
    }
    logger.error({ err: error, ...where }, 'request failed');
    return c.json({ error: 'internal_error', message: 'the request could not be processed; retry later' }, 500);
  });

  return app;
}
