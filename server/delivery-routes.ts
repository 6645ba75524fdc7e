import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { z } from 'zod';
import { readSignedBody } from './signed-request';
import { readJsonBody } from './json-body';
import { shopOfRequest } from './request-shop';
import type { ShopResolver } from './shop-resolver';
import { type PayloadIssue, invalidPayload, payloadIssues } from './invalid-payload';
import { list, object, oneOf, storableDateTime, text } from '../domain/payload-fields';
import { type BounceDeps, DEFAULT_SOFT_BOUNCE_RULE, type SoftBounceRule, recordDeliveryEvent } from '../app/bounces';
import type { ChainStopper } from '../app/chain-stopper';
import { readSendGridBatch } from '../domain/sendgrid-events';
import type { Db } from '../db/client';
import { shopOfSentMessage } from '../db/delivery-event-store';
import { deliveryEventTypes } from '../db/schema';
import { EmailAddress } from '../domain/email-address';
import {
  SENDGRID_SIGNATURE_HEADER,
  SENDGRID_TIMESTAMP_HEADER,
  parseSendGridPublicKey,
  verifySendGridSignature,
} from './sendgrid-signature';

export interface DeliveryRoutesDeps {
  db: Db;
  config: {
    webhookSecret: string;
    webhookMaxBytes: number;
    webhookToleranceMs: number;
    /** SENDGRID_WEBHOOK_PUBLIC_KEY; unset disables POST /webhooks/sendgrid. */
    sendgridWebhookPublicKey?: string;
    /** SOFT_BOUNCE_LIMIT and SOFT_BOUNCE_WINDOW. */
    softBounces?: SoftBounceRule;
  };
  /**
   * The shop the events belong to: `Cartflow-Shop` (SendGrid, which sends no custom headers: the
   * `shop` query parameter of the webhook URL); absent, the default shop (SHOP_ID). The generic
   * webhook is verified with that shop's secrets.
   */
  shops: ShopResolver;
  logger: Logger;
  chains?: ChainStopper;
  now?: () => number;
}

/** SendGrid batches many events per request; its docs set no size, so allow far more than a cart webhook. */
const SENDGRID_MAX_BYTES = 8 * 1024 * 1024;

/** The documented limits of `POST /webhooks/delivery` (docs/webhooks.md, "Limits"). */
const DELIVERY_LIMITS = { eventsPerRequest: 1000, idLength: 200, messageIdLength: 998, detailLength: 1000 };

/** One bounce or complaint in cartflow's own format, for providers other than SendGrid. */
export const GenericDeliveryEvent = object(
  {
    id: text({ max: DELIVERY_LIMITS.idLength }),
    type: oneOf(deliveryEventTypes),
    email: EmailAddress,
    /** The Message-ID header of the email it is about (`<…@…>`, brackets optional). */
    messageId: text({ min: 3, max: DELIVERY_LIMITS.messageIdLength }).optional(),
    occurredAt: storableDateTime().optional(),
    detail: text({ min: 0, max: DELIVERY_LIMITS.detailLength }).optional(),
  },
  'a delivery event with id, type and email',
);
const GenericDeliveryEvents = list(GenericDeliveryEvent, {
  min: 1,
  max: DELIVERY_LIMITS.eventsPerRequest,
  noun: 'events',
});
const GenericDeliveryBody = z.union([GenericDeliveryEvent, GenericDeliveryEvents]);

/**
 * POST /webhooks/sendgrid (SendGrid's signed Event Webhook) and POST /webhooks/delivery (the generic
 * format, signed like cart webhooks): bounces and complaints become suppressions (app/bounces.ts).
 */
export function mountDeliveryRoutes(app: Hono, deps: DeliveryRoutesDeps): void {
  const { config, shops, logger, now = Date.now } = deps;
  const bounces: BounceDeps = {
    db: deps.db,
    chains: deps.chains,
    logger,
    softBounces: config.softBounces ?? DEFAULT_SOFT_BOUNCE_RULE,
  };
  // A wrong key fails the start, not every webhook later.
  const sendgridKey = config.sendgridWebhookPublicKey
    ? parseSendGridPublicKey(config.sendgridWebhookPublicKey)
    : undefined;

  app.post('/webhooks/sendgrid', limit(SENDGRID_MAX_BYTES), async (c) => {
    if (!sendgridKey) {
      return c.json(
        {
          error: 'sendgrid_webhook_disabled',
          message: 'the SendGrid Event Webhook is off: set SENDGRID_WEBHOOK_PUBLIC_KEY (see docs/bounces-and-dkim.md)',
        },
        404,
      );
    }
    const requested = await shopOfRequest(c, {
      shops,
      unknownStatus: 403,
      queryParameter: 'shop',
      consequence: '; nothing was stored',
    });
    if (!requested.ok) return requested.response;
    const { shopId } = requested.shop;
    const body = new Uint8Array(await c.req.arrayBuffer());
    const signature = verifySendGridSignature({
      key: sendgridKey,
      signature: c.req.header(SENDGRID_SIGNATURE_HEADER),
      timestamp: c.req.header(SENDGRID_TIMESTAMP_HEADER),
      body,
    });
    if (!signature.ok) {
      const message =
        signature.reason === 'missing_signature'
          ? 'missing X-Twilio-Email-Event-Webhook-Signature or X-Twilio-Email-Event-Webhook-Timestamp header'
          : 'signature does not verify with SENDGRID_WEBHOOK_PUBLIC_KEY over "<timestamp><raw body>"';
      return c.json({ error: signature.reason, message }, 401);
    }
    const json = parseJson(body);
    if (!json.ok) return c.json({ error: 'invalid_json', message: json.message }, 400);
    const batch = readSendGridBatch(json.value);
    if (!batch.ok) return invalidPayload(c, batch.issues);

    let recorded = 0;
    let duplicates = 0;
    for (const event of batch.events) {
      // The signature covers the body, not the URL: an event naming a message we sent counts for
      // that message's shop, so a signed batch replayed under another ?shop= cannot suppress there.
      const owner = await shopOfSentMessage(deps.db, event.messageIdHeader);
      if (owner !== null && owner !== shopId) {
        logger.warn(
          { urlShop: shopId, messageShop: owner },
          "sendgrid event recorded for its message's shop, not ?shop=",
        );
      }
      const outcome = await recordDeliveryEvent(bounces, { ...event, shopId: owner ?? shopId, source: 'sendgrid' });
      if (outcome.status === 'duplicate') duplicates += 1;
      else recorded += 1;
    }
    logger.info({ recorded, duplicates, ignored: batch.ignored }, 'sendgrid events accepted');
    return c.json({ status: 'ok', recorded, duplicates, ignored: batch.ignored }, 200);
  });

  app.post('/webhooks/delivery', limit(config.webhookMaxBytes, 'WEBHOOK_MAX_BYTES'), async (c) => {
    const requested = await shopOfRequest(c, { shops, unknownStatus: 403, consequence: '; nothing was stored' });
    if (!requested.ok) return requested.response;
    const { shopId, secrets } = requested.shop;
    const signed = await readSignedBody(c, { ...config, webhookSecrets: secrets }, now());
    if (!signed.ok) return signed.response;
    const { body } = signed;
    const json = parseJson(body);
    if (!json.ok) return c.json({ error: 'invalid_json', message: json.message }, 400);
    const parsed = GenericDeliveryBody.safeParse(json.value);
    if (!parsed.success) return invalidPayload(c, genericIssues(json.value));

    const events = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    let recorded = 0;
    let duplicates = 0;
    for (const event of events) {
      const outcome = await recordDeliveryEvent(bounces, {
        shopId,
        email: event.email,
        type: event.type,
        source: 'delivery_webhook',
        providerEventId: event.id,
        messageIdHeader: event.messageId ?? null,
        detail: event.detail ?? null,
        occurredAt: event.occurredAt ? new Date(event.occurredAt) : new Date(now()),
      });
      if (outcome.status === 'duplicate') duplicates += 1;
      else recorded += 1;
    }
    logger.info({ recorded, duplicates }, 'delivery events accepted');
    return c.json({ status: 'ok', recorded, duplicates }, 200);
  });
}

function limit(maxSize: number, setting?: string) {
  const message = setting ? `${tooLarge(maxSize)} (${setting})` : tooLarge(maxSize);
  return bodyLimit({
    maxSize,
    onError: (c: Context) => c.json({ error: 'payload_too_large', message }, 413),
  });
}

/** The 413 message of every webhook: the limit in bytes. */
export function tooLarge(maxSize: number): string {
  return `body must be at most ${maxSize} bytes`;
}

/** The delivery webhooks' words for a body that is not JSON add JSON.parse's own (kept as they were). */
function parseJson(body: Uint8Array): { ok: true; value: unknown } | { ok: false; message: string } {
  const read = readJsonBody(body);
  if (read.ok || read.syntaxError === undefined) return read;
  return { ok: false, message: `${read.message} (${read.syntaxError})` };
}

/**
 * The union's own issues say little ("invalid input"): report the fields of the shape that was
 * meant, an array when an array was sent, one event otherwise.
 */
function genericIssues(value: unknown): PayloadIssue[] {
  const schema = Array.isArray(value) ? GenericDeliveryEvents : GenericDeliveryEvent;
  const result = schema.safeParse(value);
  return result.success ? [] : payloadIssues(result.error);
}
