import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { storeCartEvent } from '../db/cart-store';
import type { StoreCartEvent } from '../db/group-commit';
import { retryTransientConflicts, transientConflictOf } from '../db/transient-conflict';
import { isDatabaseUnavailable, isUnstorableText } from '../db/unavailable';
import { type CartEvent, cartIdOf } from '../domain/events';
import { cartWorkflowId } from '../domain/ids';
import type { CartWorkflows } from './cart-workflows';
import type { OutboxWake } from './outbox-relay';

export interface AcceptCartEventDeps {
  db: Db;
  /**
   * How the event is stored: the app's group commit (db/group-commit.ts), which shares one
   * transaction among concurrent webhooks. Default: a transaction of its own (run again after a
   * deadlock, like the group commit's).
   */
  store?: StoreCartEvent;
  /** Names the journeys the event will start, in the answer; nothing is sent to Temporal here. */
  workflows: CartWorkflows;
  /** Told after each commit, so the relay delivers the event at once rather than at its next poll. */
  relay: OutboxWake;
  logger: Logger;
  shopId: string;
  now: () => number;
  /** Give up on the database after this long (a shop's webhook times out at ~5 s). Default 4 s. */
  storeTimeoutMs?: number;
}

/** Seconds a shop should wait before retrying an event that could not be stored. */
const STORE_RETRY_AFTER_S = 5;

/**
 * The one path every validated cart, order or new-customer event takes, whichever webhook it came
 * from: store it with its outbox row in one transaction (once per event id) and answer. The 2xx
 * means the event is committed; the outbox relay (server/outbox-relay.ts) hands it to the cart's
 * workflow and the journeys, in order, whether or not Temporal is up right now.
 * `payload` is what is stored with the event; it must keep the event's own shape at its top
 * (`data.customer.email`), which privacy requests and the chain stopper read.
 */
export async function acceptCartEvent(
  c: Context,
  deps: AcceptCartEventDeps,
  { event, payload }: { event: CartEvent; payload: unknown },
): Promise<Response> {
  const { db, workflows, relay, logger, shopId, now } = deps;
  // The metrics middleware counts webhooks by event type (metrics/server-metrics.ts).
  c.set('webhookType', event.type);
  const workflowId = cartWorkflowId({ shopId, cartId: cartIdOf(event) });
  // A new customer has no cart workflow: its journeys are listed once started.
  const ids = event.type === 'customer.created' ? { eventId: event.id } : { eventId: event.id, workflowId };
  let stored;
  try {
    const store = deps.store ?? ((input) => retryTransientConflicts(() => storeCartEvent(db, input)));
    stored = await withTimeout(store({ shopId, event, payload }), deps.storeTimeoutMs ?? 4_000);
  } catch (error) {
    if (isUnstorableText(error)) {
      const message = 'the body contains a NUL character (\\u0000) in a string, which cannot be stored; remove it';
      return c.json({ error: 'invalid_payload', message, issues: [{ path: '', message }] }, 400);
    }
    // A deadlock or serialization failure that outlasted the store's own retries: nothing of the
    // event was written (the transaction rolled back), and the same event again will be stored.
    const conflict = transientConflictOf(error);
    if (conflict) {
      // Not the error itself: drizzle's message carries the statement's parameters (emails).
      logger.warn(
        { eventId: event.id, reason: conflict },
        'database conflict outlasted retries; event not acknowledged',
      );
    } else if (error instanceof StoreTimeout || isDatabaseUnavailable(error)) {
      // Maybe stored, maybe not (a commit can be cut off): the same event id again is safe either way.
      logger.warn({ err: error, eventId: event.id }, 'database unavailable; event not acknowledged');
    } else {
      throw error;
    }
    c.header('Retry-After', String(STORE_RETRY_AFTER_S));
    return c.json(
      { error: 'temporarily_unavailable', message: 'the event could not be stored; retry the same event later' },
      503,
    );
  }
  // The metrics middleware counts the answer by this word rather than parsing it again.
  c.set('webhookOutcome', stored.kind === 'new' ? 'accepted' : outcomeWords[stored.kind]);
  if (stored.kind === 'duplicate') return c.json({ status: 'duplicate', ...ids }, 200);
  if (stored.kind === 'conflict') {
    const message = `event id ${event.id} was already used for a different event; give every event its own id`;
    return c.json({ error: 'event_id_conflict', message }, 409);
  }
  if (stored.kind === 'cart_purchased') return c.json({ status: 'ignored', reason: 'cart_purchased', ...ids }, 202);

  relay.wake();
  logger.info({ eventId: event.id, type: event.type, workflowId }, 'cart event accepted');
  const journeys = await workflows.plannedJourneys(shopId, event, new Date(now()).toISOString());
  return c.json({ status: 'accepted', ...ids, ...(journeys.length > 0 ? { journeys } : {}) }, 202);
}

const outcomeWords = { duplicate: 'duplicate', conflict: 'event_id_conflict', cart_purchased: 'ignored' } as const;

class StoreTimeout extends Error {
  constructor(ms: number) {
    super(`the database did not answer within ${ms} ms`);
    this.name = 'StoreTimeout';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  // Whatever the database answers after the timeout is ignored, not left unhandled.
  promise.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeout(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
