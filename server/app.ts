import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { markEventDelivered, storeCartEvent } from '../db/cart-store';
import { CartEvent, cartIdOf } from '../domain/events';
import { cartWorkflowId } from '../domain/ids';
import type { CartWorkflows } from './cart-workflows';
import type { ChainStopper } from '../compliance/chain-stopper';
import { readSignedBody } from './signed-request';
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
  /** Bearer token of the checkout discount API (CHECKOUT_API_TOKEN); unset disables it. */
  checkoutApiToken?: string;
  /** The Temporal UI origin allowed to call the codec endpoint (CODEC_CORS_ORIGIN). */
  codecCorsOrigin?: string;
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
  app.route('/checkout', checkoutRoutes({ db, config, logger }));
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

      const event = parsed.data;
      const shopId = config.shopId;
      const workflowId = cartWorkflowId({ shopId, cartId: cartIdOf(event) });
      // A new customer has no cart workflow: its journeys are listed once started.
      const ids = event.type === 'customer.created' ? { eventId: event.id } : { eventId: event.id, workflowId };
      const stored = await storeCartEvent(db, { shopId, event, payload: json });
      if (stored.kind === 'duplicate') return c.json({ status: 'duplicate', ...ids }, 200);

      // A cart that was bought never starts (or restarts) a chain, even after Temporal forgot it.
      if (event.type === 'cart.updated' && stored.cartStatus === 'purchased') {
        await markEventDelivered(db, { shopId, eventId: event.id });
        return c.json({ status: 'ignored', reason: 'cart_purchased', ...ids }, 202);
      }

      let delivery;
      let journeys: string[];
      try {
        delivery = await workflows.deliver(shopId, event);
        journeys = await workflows.startJourneys(shopId, event, new Date(now()).toISOString());
      } catch (error) {
        // The event is stored but not delivered: the shop's retry of the same event id delivers it.
        logger.warn({ err: error, eventId: event.id }, 'workflow delivery failed; event kept for retry');
        c.header('Retry-After', '30');
        return c.json({ error: 'temporarily_unavailable', message: 'event stored; retry the same event later' }, 503);
      }
      await markEventDelivered(db, { shopId, eventId: event.id });
      logger.info({ eventId: event.id, type: event.type, workflowId, delivery }, 'cart event accepted');
      const started = journeys.length > 0 ? { journeys } : {};
      if (delivery === 'not_a_cart') return c.json({ status: 'accepted', eventId: event.id, ...started }, 202);
      if (delivery === 'cart_finished') {
        return c.json({ status: 'ignored', reason: 'cart_finished', ...ids, ...started }, 202);
      }
      return c.json({ status: 'accepted', ...ids, ...started }, 202);
    },
  );

  mountDeliveryRoutes(app, { db, config, logger, chains, now });

  app.notFound((c) => c.json({ error: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    logger.error({ err: error, path: c.req.path }, 'request failed');
    return c.json({ error: 'internal_error', message: 'the request could not be processed; retry later' }, 500);
  });

  return app;
}
