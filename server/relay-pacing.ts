/**
 * How the outbox relay yields to intake. On a small box the relay, its Temporal client and the
 * Temporal server it calls share the CPU with the HTTP server, and the shop sees only the
 * webhook's latency: the relay drains a durable backlog that can wait. So while events arrive
 * faster than `busyRate` per second, the relay delivers at `busyRate` (its floor: it never stops),
 * in small batches spaced evenly; once arrivals fall to `busyRate` or below it delivers as fast as
 * it can again and the backlog drains. `off`: never yield.
 */
export type RelayYield = { busyRate: number } | 'off';

/**
 * How long the relay may let its oldest undelivered event wait while it yields (OUTBOX_YIELD_MAX_LAG).
 * A burst is absorbed; intake that stays above the busy rate for longer than this gets delivery at
 * full speed again, so the backlog never grows without bound. Default one minute.
 */
export const DEFAULT_YIELD_MAX_LAG_MS = 60_000;

export interface BatchPlan {
  /** Events to claim in this batch. */
  limit: number;
  /** The batch should take at least this long (ms), so that the relay keeps to `busyRate`. */
  minMs: number;
}

/** Batches a yielding relay spreads its floor rate over, per second (small batches, no bursts). */
const PACED_BATCHES_PER_SECOND = 10;

/** The next batch's size and pace, given how fast events are arriving in the outbox. */
export function planBatch({
  batchSize,
  relayYield,
  arrivalsPerSecond,
  oldestAgeMs = 0,
  maxLagMs = DEFAULT_YIELD_MAX_LAG_MS,
}: {
  batchSize: number;
  relayYield: RelayYield;
  arrivalsPerSecond: number;
  /** How long the oldest undelivered event has waited. */
  oldestAgeMs?: number;
  maxLagMs?: number;
}): BatchPlan {
  const full = { limit: batchSize, minMs: 0 };
  if (relayYield === 'off' || arrivalsPerSecond <= relayYield.busyRate) return full;
  // Yielding has a limit: past it the shop's events matter more than its answers' latency.
  if (oldestAgeMs >= maxLagMs) return full;
  const limit = Math.max(1, Math.min(batchSize, Math.ceil(relayYield.busyRate / PACED_BATCHES_PER_SECOND)));
  return { limit, minMs: (1000 * limit) / relayYield.busyRate };
}

export interface OutboxSample {
  /** The outbox's highest id: it grows by one per stored event, whichever process stored it. */
  newestId: number;
  /** How long the oldest undelivered event has waited (0 when none waits). */
  oldestAgeMs: number;
}

export interface ArrivalMeterOptions {
  /** One read of the outbox (db/outbox-store.ts outboxPacingSample). */
  sample: () => Promise<OutboxSample>;
  now?: () => number;
  /** Arrivals are counted over this long; the outbox is asked at most once per window. Default 500 ms. */
  windowMs?: number;
}

export interface Arrivals {
  perSecond: number;
  oldestAgeMs: number;
}

/**
 * Events stored per second, by every server process (the outbox's ids, not this process's
 * webhooks: a `cartflow relay` process or a server behind a load balancer sees them all), and
 * the age of the oldest event still waiting.
 */
export function createArrivalMeter({ sample, now = Date.now, windowMs = 500 }: ArrivalMeterOptions) {
  let last: { at: number; id: number } | undefined;
  let current: Arrivals = { perSecond: 0, oldestAgeMs: 0 };
  return {
    async read(): Promise<Arrivals> {
      const at = now();
      if (last && at - last.at < windowMs) return current;
      const { newestId, oldestAgeMs } = await sample();
      const perSecond = last ? (Math.max(0, newestId - last.id) * 1000) / Math.max(1, at - last.at) : 0;
      last = { at, id: newestId };
      current = { perSecond, oldestAgeMs };
      return current;
    },
  };
}
