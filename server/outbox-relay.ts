import type { Logger } from 'pino';
import type { Db } from '../db/client';
import {
  type ClaimedEvent,
  claimDueEvents,
  markOutboxDeliveredMany,
  markOutboxFailed,
  outboxPacingSample,
  pruneDeliveredOutbox,
  releaseOutboxClaims,
} from '../db/outbox-store';
import { activeCodesOfCart } from '../db/discount-store';
import { CartEvent } from '../domain/events';
import type { RelayMetrics } from '../metrics/relay-metrics';
import type { CartWorkflows } from './cart-workflows';
import {
  type Arrivals,
  createArrivalMeter,
  DEFAULT_YIELD_MAX_LAG_MS,
  planBatch,
  type RelayYield,
} from './relay-pacing';

export interface OutboxRelayOptions {
  db: Db;
  workflows: CartWorkflows;
  logger: Logger;
  /** How often to look for events stored by other processes, or due for a retry. Default 1 s. */
  pollMs?: number;
  /** Events claimed (and delivered concurrently, one per cart) at a time. Default 64. */
  batchSize?: number;
  /** How long a claim lasts: a relay that dies holding it gives the rows back after this. Default 60 s. */
  leaseMs?: number;
  /** Longest wait between retries while Temporal or Postgres is down. Default 30 s. */
  maxBackoffMs?: number;
  /** Delivered rows are deleted after this long. Default 7 days. */
  retentionMs?: number;
  /** Counts deliveries and failures for /metrics (metrics/relay-metrics.ts). */
  metrics?: RelayMetrics;
  /**
   * While events arrive faster than `busyRate` per second, deliver at that rate and leave the CPU
   * to intake (server/relay-pacing.ts, OUTBOX_BUSY_RATE). Default 'off' (tests, benchmarks).
   */
  relayYield?: RelayYield;
  /**
   * Yielding stops while the oldest undelivered event has waited this long (OUTBOX_YIELD_MAX_LAG):
   * a burst is absorbed, sustained load does not grow the backlog without bound. Default 1 min.
   */
  yieldMaxLagMs?: number;
  /**
   * No other relay shares this database (`npm start` on its embedded one, which a single process
   * opens): the claims found at start were left by a predecessor that was killed, so they are
   * released at once rather than at the end of their lease. Default false.
   */
  soleRelay?: boolean;
  /** How fast events arrive in the outbox and how old the oldest waiting one is; default: the outbox, sampled every 500 ms. */
  arrivals?: { read(): Promise<Arrivals> };
}

/** What the webhook needs of the relay: a nudge after it committed an event. */
export interface OutboxWake {
  wake(): void;
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;

const PRUNE_EVERY_MS = 10 * 60 * 1000;

/**
 * Hands the events the webhooks committed to the outbox over to Temporal: the cart's workflow
 * (start or signal, server/cart-workflows.ts) and any journeys. Each cart's events go in the order
 * they were stored; a failure leaves the event (and the cart's later ones) for a retry with
 * backoff, so a Temporal outage delays delivery but loses nothing. `start()` runs the loop (the
 * server processes); without it, `wake()` alone delivers what is due (tests, benchmarks).
 */
export function createOutboxRelay(options: OutboxRelayOptions) {
  const { db, workflows, logger, pollMs = 1_000, batchSize = 64, leaseMs = 60_000 } = options;
  const { maxBackoffMs = 30_000, retentionMs = 7 * 24 * 3600 * 1000, metrics, relayYield = 'off' } = options;
  const { yieldMaxLagMs = DEFAULT_YIELD_MAX_LAG_MS } = options;
  const arrivals = options.arrivals ?? createArrivalMeter({ sample: () => outboxPacingSample(db) });
  let failures = 0;
  let lastPrune = 0;
  let stopping = false;
  let loop: Promise<void> | undefined;
  let draining: Promise<number> | undefined;
  let wakeAgain = false;
  /** Why the latest delivery failed (Temporal's message and its causes), for the warning. */
  let lastFailure: string | undefined;
  let interruptSleep: (() => void) | undefined;
  let interruptPause: (() => void) | undefined;

  /** Delivers one claimed batch; returns how many were claimed, how many failed, and the batch's limit. */
  async function relayBatch(): Promise<{ claimed: number; failed: number; limit: number }> {
    const started = Date.now();
    const plan =
      relayYield === 'off'
        ? { limit: batchSize, minMs: 0 }
        : await arrivals
            .read()
            .then(({ perSecond, oldestAgeMs }) =>
              planBatch({ batchSize, relayYield, arrivalsPerSecond: perSecond, oldestAgeMs, maxLagMs: yieldMaxLagMs }),
            );
    const claimed = await claimDueEvents(db, { limit: plan.limit, leaseMs });
    const outcomes = await Promise.all(claimed.map(deliverOne));
    // One statement marks the batch's deliveries; each cart's next event is due once it commits.
    // A crash before it only means these events are delivered again (start and signal are idempotent).
    await markOutboxDeliveredMany(
      db,
      claimed.filter((_, i) => outcomes[i]),
    );
    const failed = outcomes.filter((ok) => !ok).length;
    metrics?.delivered(claimed.length - failed);
    if (failed > 0) metrics?.failed(failed);
    // Yielding to intake: the rest of this batch's share of a second is left to the webhooks.
    if (claimed.length > 0) await pause(plan.minMs - (Date.now() - started));
    return { claimed: claimed.length, failed, limit: plan.limit };
  }

  /** Waits `ms` unless the relay is stopping. */
  async function pause(ms: number): Promise<void> {
    if (ms <= 0 || stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      interruptPause = () => (clearTimeout(timer), resolve());
    });
    interruptPause = undefined;
  }

  /** Hands one event over; true when it reached Temporal (or needs nothing) and may be marked delivered. */
  async function deliverOne(claimed: ClaimedEvent): Promise<boolean> {
    const parsed = CartEvent.safeParse(claimed.event);
    if (!parsed.success) {
      // Only rows queued by migration 0011 from events stored before validation changed can get here.
      logger.error({ eventId: claimed.eventId }, 'outbox event no longer parses; marked delivered without delivery');
      return true;
    }
    try {
      const delivery = await workflows.deliver(claimed.shopId, parsed.data);
      if (delivery === 'no_running_chain') await disableLeftCodes(claimed.shopId, parsed.data);
      await workflows.startJourneys(claimed.shopId, parsed.data, claimed.storedAt);
      logger.debug({ eventId: claimed.eventId, delivery, attempts: claimed.attempts }, 'outbox event delivered');
      return true;
    } catch (error) {
      const retryInMs = backoff(claimed.attempts);
      lastFailure = messageOf(error);
      await markOutboxFailed(db, { id: claimed.id, error: lastFailure, retryInMs }).catch(() => {
        // The claim's lease ends anyway: the row comes back then.
      });
      logger.debug({ eventId: claimed.eventId, attempts: claimed.attempts, retryInMs }, 'outbox delivery failed');
      return false;
    }
  }

  /**
   * An order whose cart has no chain running (it completed or ended before the customer bought)
   * must still withdraw the codes that chain sent: no chain is there to do it. Until the workflow
   * that does it has started, the event stays in the outbox (retried like any delivery).
   */
  async function disableLeftCodes(shopId: string, event: CartEvent): Promise<void> {
    if (event.type !== 'order.placed') return;
    const cartId = event.data.cartId;
    // Most orders never had a code: no workflow for them.
    if ((await activeCodesOfCart(db, { shopId, cartId })).length === 0) return;
    await workflows.disableCartCodes(shopId, cartId);
  }

  function backoff(attempts: number): number {
    return Math.min(maxBackoffMs, 500 * 2 ** Math.max(0, attempts - 1));
  }

  /** Delivers until nothing is due or a delivery fails; returns the number delivered. */
  async function drainDue(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const { claimed, failed, limit } = await relayBatch();
      delivered += claimed - failed;
      if (failed > 0) {
        failures += 1;
        if (failures === 1 || failures % 10 === 0) {
          // Not always a network fault: a namespace or search attribute the server lacks fails every
          // start too, and the operator needs Temporal's own words to fix it.
          logger.warn(
            { failed, failures, reason: lastFailure },
            'outbox relay: events not delivered to Temporal, kept for retry',
          );
        }
        return delivered;
      }
      if (failures > 0 && claimed > 0) logger.info('outbox relay: delivering again');
      if (claimed > 0) failures = 0;
      if (claimed < limit || stopping) return delivered;
    }
  }

  /** One drain at a time per relay; a wake during a drain runs another after it. */
  function drainSerially(): Promise<number> {
    if (draining) {
      wakeAgain = true;
      return draining;
    }
    draining = (async () => {
      let total = 0;
      do {
        wakeAgain = false;
        total += await drainDue();
      } while (wakeAgain && !stopping && failures === 0);
      return total;
    })().finally(() => {
      draining = undefined;
    });
    return draining;
  }

  async function releaseLeftClaims(): Promise<void> {
    try {
      const released = await releaseOutboxClaims(db);
      if (released > 0)
        logger.info({ released }, 'outbox relay: events claimed or paused by a previous run are due now');
    } catch (error) {
      // The leases end by themselves: only the wait is longer.
      logger.warn({ err: error }, 'outbox relay: could not release the claims of a previous run');
    }
  }

  async function prune(): Promise<void> {
    if (Date.now() - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = Date.now();
    const deleted = await pruneDeliveredOutbox(db, { retentionMs });
    if (deleted > 0) logger.info({ deleted }, 'outbox relay: old delivered rows deleted');
  }

  async function run(): Promise<void> {
    if (options.soleRelay) await releaseLeftClaims();
    // The arrival meter's first sample: a burst that starts later is then seen within one window.
    if (relayYield !== 'off') await arrivals.read().catch(() => undefined);
    while (!stopping) {
      try {
        await drainSerially();
        await prune();
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 10 === 0) {
          logger.warn({ err: error, failures }, 'outbox relay: database unreachable, retrying');
        }
      }
      // While something is down, back off (a wake does not cut it short: every webhook would).
      const pause = failures > 0 ? backoff(failures) : pollMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        interruptSleep = () => (clearTimeout(timer), resolve());
      });
      interruptSleep = undefined;
    }
  }

  return {
    /** Runs the relay loop until stop(). */
    start(): void {
      loop ??= run();
    },
    /** An event was committed: deliver it now rather than at the next poll. */
    wake(): void {
      if (loop) {
        if (draining) wakeAgain = true;
        else if (failures === 0) interruptSleep?.();
        return;
      }
      drainSerially().catch((error) => logger.warn({ err: error }, 'outbox relay: delivery deferred'));
    },
    /** Delivers everything due now; resolves with the number delivered (benchmarks, tests). */
    drain: drainSerially,
    /** Finishes the batch in flight and stops; what is left stays in the outbox for the next start. */
    async stop(): Promise<void> {
      stopping = true;
      interruptSleep?.();
      interruptPause?.();
      await loop;
      await draining?.catch(() => {});
    },
  };
}

/** `ServiceError: Failed to start Workflow; cause: 3 INVALID_ARGUMENT: …`: the client's own message alone does not say why. */
function messageOf(error: unknown): string {
  const words: string[] = [];
  for (let cause: unknown = error, depth = 0; cause !== undefined && depth < 4; depth += 1) {
    words.push(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return words.join('; cause: ');
}
