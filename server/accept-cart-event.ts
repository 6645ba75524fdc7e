import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { markEventDelivered, storeCartEvent } from '../db/cart-store';
import { type CartEvent, cartIdOf } from '../domain/events';
import { cartWorkflowId } from '../domain/ids';
import type { CartWorkflows } from './cart-workflows';

export interface AcceptCartEventDeps {
  db: Db;
  workflows: CartWorkflows;
  logger: Logger;
  shopId: string;
  now: () => number;
}

/**
 * The one path every validated cart, order or new-customer event takes, whichever webhook it came
 * from: store it (once per event id), then hand it to the cart's workflow and the journeys.
 * `payload` is what is stored with the event; it must keep the event's own shape at its top
 * (`data.customer.email`), which privacy requests and the chain stopper read.
 */
export async function acceptCartEvent(
  c: Context,
  { db, workflows, logger, shopId, now }: AcceptCartEventDeps,
  { event, payload }: { event: CartEvent; payload: unknown },
): Promise<Response> {
  // The metrics middleware counts webhooks by event type (metrics/server-metrics.ts).
  c.set('webhookType', event.type);
  const workflowId = cartWorkflowId({ shopId, cartId: cartIdOf(event) });
  // A new customer has no cart workflow: its journeys are listed once started.
  const ids = event.type === 'customer.created' ? { eventId: event.id } : { eventId: event.id, workflowId };
  const stored = await storeCartEvent(db, { shopId, event, payload });
  if (stored.kind === 'duplicate') return c.json({ status: 'duplicate', ...ids }, 200);
  if (stored.kind === 'conflict') {
    const message = `event id ${event.id} was already used for a different event; give every event its own id`;
    return c.json({ error: 'event_id_conflict', message }, 409);
  }

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
    logger.warn({ err: error, eventId: event.id, workflowId }, 'workflow delivery failed; event kept for retry');
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
}
