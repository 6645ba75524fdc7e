import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { ChainStopper } from '../app/chain-stopper';
import { applyConsentChange } from '../app/consent-change';
import type { Db } from '../db/client';
import type { CustomerConsentUpdatedEvent } from '../domain/events';

export interface ConsentWebhookDeps {
  db: Db;
  chains?: ChainStopper;
  logger: Logger;
  shopId: string;
  now: () => number;
}

/**
 * `customer.consent_updated` on POST /webhooks/cart: the customer opted in or out outside any cart.
 * Applied in the request (an update of the customer and signals), not through the outbox: there is
 * no workflow to start, and the change is dated, so a repeat (a retry, the same id again) applies
 * the same state once more and an older change arriving late is `superseded`. A database outage
 * is the app's 503 with Retry-After (server/app.ts), so the shop retries.
 */
export async function acceptConsentUpdate(
  c: Context,
  deps: ConsentWebhookDeps,
  event: CustomerConsentUpdatedEvent,
): Promise<Response> {
  // The metrics middleware counts webhooks by event type (metrics/server-metrics.ts).
  c.set('webhookType', event.type);
  const { data } = event;
  // When the customer said it, else when the shop says the event happened, else its arrival.
  const statedAt = new Date(data.updatedAt ?? event.occurredAt ?? deps.now());
  const outcome = await applyConsentChange(deps, {
    shopId: deps.shopId,
    email: data.customer.email,
    consent: data.marketingConsent,
    statedAt,
  });
  deps.logger.info({ eventId: event.id, outcome }, 'consent change recorded');
  if (outcome === 'superseded') return c.json({ status: 'ignored', reason: 'superseded', eventId: event.id }, 200);
  return c.json({ status: outcome, eventId: event.id }, 200);
}
