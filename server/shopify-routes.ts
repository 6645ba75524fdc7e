import type { SentCopies } from '../mail/outbox-files';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ChainStopper } from '../app/chain-stopper';
import { applyConsentChange } from '../app/consent-change';
import { erasePerson } from '../app/privacy';
import type { Db } from '../db/client';
import { canonicalEmail } from '../domain/email-address';
import { CartEvent } from '../domain/events';
import {
  type Mapped,
  checkoutToEvent,
  newCustomerToEvent,
  orderToEvent,
  withdrawsConsent,
} from '../domain/shopify-events';
import {
  ShopifyCheckout,
  ShopifyCustomer,
  ShopifyEmailConsentUpdate,
  type ShopifyEmailMarketingConsent,
  ShopifyOrder,
  ShopifyPrivacyRequest,
  ShopifyShopRedact,
} from '../domain/shopify-payloads';
import { acceptCartEvent } from './accept-cart-event';
import type { StoreCartEvent } from '../db/group-commit';
import type { CartWorkflows } from './cart-workflows';
import type { OutboxWake } from './outbox-relay';
import { tooLarge } from './delivery-routes';
import { invalidPayload, payloadIssues } from './invalid-payload';
import { readJsonBody } from './json-body';
import { SHOPIFY_HMAC_HEADER, verifyShopifyHmac } from './shopify-signature';
import { redactShop } from './shopify-shop-redact';
import { withDefaultLocale } from '../domain/shop';
import { isStorableInstant } from '../domain/payload-fields';
import type { ShopResolver, WebhookShop } from './shop-resolver';

export interface ShopifyConfig {
  /** SHOPIFY_CLIENT_SECRET, then SHOPIFY_CLIENT_SECRET_PREVIOUS during a rotation. */
  clientSecrets: string[];
  /** SHOPIFY_SHOP_DOMAIN: webhooks from any other shop are refused. */
  shopDomain?: string;
  /** SHOPIFY_STORE_URL: the welcome emails' link; default https://<shop domain>/. */
  storeUrl?: string;
  /** SHOPIFY_CURRENCIES */
  currencies?: string[];
}

export interface ShopifyRoutesDeps {
  db: Db;
  /** The app's group commit for webhook events (db/group-commit.ts). */
  store?: StoreCartEvent;
  workflows: CartWorkflows;
  /** Woken after each stored event (server/outbox-relay.ts). */
  relay: OutboxWake;
  config: { webhookMaxBytes: number; shopifyWebhookMaxBytes?: number };
  /** Finds the shop (and its client secrets) by X-Shopify-Shop-Domain. */
  shops: ShopResolver;
  logger: Logger;
  chains?: ChainStopper;
  /** Copies of sent emails an erasure deletes too (`npm start`'s .eml files). */
  sentCopies?: SentCopies;
  now: () => number;
}

interface Delivery {
  topic: string;
  webhookId: string;
  shopDomain: string;
  apiVersion: string | undefined;
  /** X-Shopify-Triggered-At when it is a date-time: when Shopify raised the event, by its clock. */
  triggeredAt: Date | undefined;
  json: unknown;
  /** The shop the domain belongs to: whose rows and chains these are. */
  shop: WebhookShop;
}

/**
 * `POST /webhooks/shopify`: Shopify's own webhooks, verified by `X-Shopify-Hmac-Sha256` over the
 * raw body, mapped onto cartflow's events (domain/shopify-events.ts) and the path every cart event
 * takes. See docs/webhooks.md, "Shopify", for the topics.
 */
export function shopifyRoutes(deps: ShopifyRoutesDeps) {
  const { config } = deps;
  const routes = new Hono();
  const [maxBytes, setting] = config.shopifyWebhookMaxBytes
    ? [config.shopifyWebhookMaxBytes, 'SHOPIFY_WEBHOOK_MAX_BYTES']
    : [config.webhookMaxBytes, 'WEBHOOK_MAX_BYTES'];

  routes.post(
    '/',
    bodyLimit({
      maxSize: maxBytes,
      onError: (c) => c.json({ error: 'payload_too_large', message: `${tooLarge(maxBytes)} (${setting})` }, 413),
    }),
    async (c) => {
      const body = new Uint8Array(await c.req.arrayBuffer());
      const hmacHeader = c.req.header(SHOPIFY_HMAC_HEADER);
      if (!hmacHeader) {
        return c.json({ error: 'missing_signature', message: `missing ${SHOPIFY_HMAC_HEADER} header` }, 401);
      }

      const topic = c.req.header('X-Shopify-Topic');
      const webhookId = c.req.header('X-Shopify-Webhook-Id');
      const shopDomain = c.req.header('X-Shopify-Shop-Domain')?.trim().toLowerCase();
      const missing = [
        ['X-Shopify-Topic', topic],
        ['X-Shopify-Webhook-Id', webhookId],
        ['X-Shopify-Shop-Domain', shopDomain],
      ].find(([, value]) => !value);
      if (missing || !topic || !webhookId || !shopDomain) {
        return c.json({ error: 'missing_header', message: `missing ${missing?.[0]} header` }, 400);
      }
      // The domain picks the secret: one shop's client secret never verifies another shop's webhook.
      const shop = await deps.shops.byShopifyDomain(shopDomain);
      if (!shop) {
        const message = `shop ${shopDomain} is not served by this install (no shop with that domain in cartflow shops list, and it is not SHOPIFY_SHOP_DOMAIN); nothing was stored`;
        return c.json({ error: 'unknown_shop', message }, 403);
      }
      const hmac = verifyShopifyHmac({ header: hmacHeader, body, secrets: shop.secrets });
      if (!hmac.ok) {
        const message = `${SHOPIFY_HMAC_HEADER} does not match the body: it must be base64(HMAC-SHA256(raw body, the app's client secret)) with the secret of shop ${shopDomain}`;
        return c.json({ error: hmac.reason, message }, 401);
      }

      const read = readJsonBody(body);
      if (!read.ok) return c.json({ error: 'invalid_json', message: read.message }, 400);
      const json = read.value;
      const delivery: Delivery = {
        topic,
        webhookId,
        shopDomain,
        apiVersion: c.req.header('X-Shopify-API-Version'),
        triggeredAt: instantOf(c.req.header('X-Shopify-Triggered-At')),
        json,
        shop,
      };
      return handleTopic(c, deps, delivery);
    },
  );
  return routes;
}

async function handleTopic(c: Context, deps: ShopifyRoutesDeps, delivery: Delivery): Promise<Response> {
  const { shop } = delivery;
  const context = { webhookId: delivery.webhookId, currencies: shop.currencies };
  switch (delivery.topic) {
    case 'checkouts/create':
    case 'checkouts/update':
      return withPayload(c, ShopifyCheckout, delivery.json, (checkout) =>
        acceptMapped(c, deps, delivery, checkoutToEvent(checkout, context)),
      );
    case 'orders/create':
    case 'orders/paid':
      return withPayload(c, ShopifyOrder, delivery.json, (order) =>
        acceptMapped(c, deps, delivery, orderToEvent(order, context)),
      );
    case 'customers/create': {
      const welcomeUrl = shop.storeUrl ?? `https://${delivery.shopDomain}/`;
      return withPayload(c, ShopifyCustomer, delivery.json, (customer) =>
        acceptMapped(c, deps, delivery, newCustomerToEvent(customer, { ...context, welcomeUrl })),
      );
    }
    case 'customers/update':
      return withPayload(c, ShopifyCustomer, delivery.json, (customer) =>
        updateConsent(c, deps, delivery, { email: customer.email, consent: customer.email_marketing_consent }),
      );
    case 'customers_email_marketing_consent/update':
      return withPayload(c, ShopifyEmailConsentUpdate, delivery.json, (update) =>
        updateConsent(c, deps, delivery, { email: update.email_address, consent: update.email_marketing_consent }),
      );
    case 'customers/redact':
      return withPayload(c, ShopifyPrivacyRequest, delivery.json, (request) =>
        redactCustomer(c, deps, delivery, request.customer.email),
      );
    case 'customers/data_request':
      // The shop owner answers the request from Shopify's admin; cartflow's copy is one export away.
      deps.logger.info(ids(delivery), 'Shopify data request acknowledged: export with GET /admin/privacy/export');
      return c.json({ status: 'acknowledged', topic: delivery.topic }, 200);
    case 'shop/redact':
      return withPayload(c, ShopifyShopRedact, delivery.json, (request) =>
        redactShop(
          c,
          {
            db: deps.db,
            chains: deps.chains,
            sentCopies: deps.sentCopies,
            logger: deps.logger,
            shopId: shop.shopId,
            configuredDomain: shop.shopifyDomain,
            now: deps.now,
          },
          delivery,
          request,
        ),
      );
    default:
      // Topics Shopify adds later, or ones subscribed by mistake: acknowledged so Shopify keeps the subscription.
      deps.logger.info(ids(delivery), 'Shopify webhook topic not handled; acknowledged');
      return c.json({ status: 'ignored', reason: 'topic_not_handled', topic: delivery.topic }, 200);
  }
}

function withPayload<T extends z.ZodType>(
  c: Context,
  schema: T,
  json: unknown,
  then: (payload: z.infer<T>) => Promise<Response>,
): Promise<Response> | Response {
  const parsed = schema.safeParse(json);
  if (!parsed.success) return invalidPayload(c, payloadIssues(parsed.error));
  return then(parsed.data);
}

async function acceptMapped(c: Context, deps: ShopifyRoutesDeps, delivery: Delivery, mapped: Mapped) {
  if (mapped.kind === 'invalid') return invalidPayload(c, mapped.issues);
  if (mapped.kind === 'skipped') {
    deps.logger.info({ ...ids(delivery), reason: mapped.reason }, 'Shopify webhook skipped');
    return c.json({ status: 'ignored', reason: mapped.reason, topic: delivery.topic }, 200);
  }
  const parsed = CartEvent.safeParse(withDefaultLocale(mapped.event, delivery.shop.defaultLocale));
  if (!parsed.success) return invalidPayload(c, payloadIssues(parsed.error));
  const event = parsed.data;
  // The event's own shape stays on top (privacy requests and the chain stopper read it); Shopify's body beside it.
  const shopify = {
    topic: delivery.topic,
    shopDomain: delivery.shopDomain,
    apiVersion: delivery.apiVersion,
    payload: delivery.json,
  };
  const { db, store, workflows, relay, logger, now } = deps;
  return acceptCartEvent(
    c,
    { db, store, workflows, relay, logger, now, shopId: delivery.shop.shopId },
    {
      event,
      payload: { ...event, shopify },
    },
  );
}

async function updateConsent(
  c: Context,
  deps: ShopifyRoutesDeps,
  delivery: Delivery,
  input: { email: string | null | undefined; consent: ShopifyEmailMarketingConsent },
) {
  const email = input.email ? canonicalEmail(input.email) : undefined;
  const state = input.consent?.state;
  const shopId = delivery.shop.shopId;
  const gives = state === 'subscribed';
  if (!email || !(gives || withdrawsConsent(state))) {
    return c.json({ status: 'ignored', reason: 'no_consent_change', topic: delivery.topic }, 200);
  }
  // Shopify retries and reorders deliveries: the change is dated by Shopify's clock, so an older one
  // arriving late does not undo a newer one.
  const statedAt = consentStatedAt(input.consent, delivery, deps.now);
  const outcome = await applyConsentChange(deps, { shopId, email, consent: gives, statedAt });
  if (outcome === 'superseded') {
    deps.logger.info(ids(delivery), 'Shopify consent change older than the stored one; ignored');
    return c.json({ status: 'ignored', reason: 'superseded', topic: delivery.topic }, 200);
  }
  deps.logger.info({ ...ids(delivery), outcome }, 'Shopify consent change recorded');
  return c.json({ status: outcome, topic: delivery.topic }, 200);
}

/** `consent_updated_at`, else when Shopify raised the webhook, else (neither sent) its arrival. */
function consentStatedAt(consent: ShopifyEmailMarketingConsent, delivery: Delivery, now: () => number): Date {
  const updatedAt = consent?.consent_updated_at;
  return updatedAt ? new Date(updatedAt) : (delivery.triggeredAt ?? new Date(now()));
}

function instantOf(header: string | undefined): Date | undefined {
  return header && isStorableInstant(header) ? new Date(header) : undefined;
}

async function redactCustomer(
  c: Context,
  deps: ShopifyRoutesDeps,
  delivery: Delivery,
  rawEmail: string | null | undefined,
) {
  const email = rawEmail ? canonicalEmail(rawEmail) : undefined;
  if (!email) return c.json({ status: 'nothing_held', topic: delivery.topic }, 200);
  if (!deps.chains) {
    return c.json({ error: 'unavailable', message: 'no Temporal client: running chains could not be stopped' }, 503);
  }
  let result;
  try {
    result = await erasePerson(
      { db: deps.db, chains: deps.chains, sentCopies: deps.sentCopies },
      { shopId: delivery.shop.shopId, email },
    );
  } catch (error) {
    deps.logger.warn({ err: error, ...ids(delivery) }, 'Shopify customers/redact failed; nothing erased');
    c.header('Retry-After', '30');
    return c.json({ error: 'temporarily_unavailable', message: 'nothing was erased; retry later' }, 503);
  }
  deps.logger.info({ ...ids(delivery), found: result.found }, 'Shopify customers/redact done');
  return c.json({ status: result.found ? 'erased' : 'nothing_held', topic: delivery.topic }, 200);
}

/** What a log line may say about a delivery: ids, never the person. */
function ids(delivery: Delivery) {
  return { webhookId: delivery.webhookId, topic: delivery.topic, shopDomain: delivery.shopDomain };
}
