/**
 * How the outbox relay yields to intake. On a small box the relay, its Temporal client and the
 * Temporal server it calls share the CPU with the HTTP server, and the shop sees only the
 * webhook's latency: the relay drains a durable backlog that can wait. So while events arrive
 * faster than `busyRate` per second, the relay delivers at `busyRate` (its floor: it never stops),
 * in small batches spaced evenly; once arrivals fall to `busyRate` or below it delivers as fast as
 * it can again and the backlog drains. `off`: never yield.
 */
export type RelayYield = { busyRate: number } | 'off';

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
}: {
  batchSize: number;
  relayYield: RelayYield;
  arrivalsPerSecond: number;
}): BatchPlan {
  if (relayYield === 'off' || arrivalsPerSecond <= relayYield.busyRate) return { limit: batchSize, minMs: 0 };
  const limit = Math.max(1, Math.min(batchSize, Math.ceil(relayYield.busyRate / PACED_BATCHES_PER_SECOND)));
  return { limit, minMs: (1000 * limit) / relayYield.busyRate };
}

export interface ArrivalMeterOptions {
  /** The outbox's highest id: it grows by one per stored event, whichever process stored it. */
  newestId: () => Promise<number>;
  now?: () => number;
  /** Arrivals are counted over this long; the outbox is asked at most once per window. Default 500 ms. */
  windowMs?: number;
}

/**
 * Events stored per second, by every server process (the outbox's ids, not this process's
 * webhooks: a `cartflow relay` process or a server behind a load balancer sees them all).
 */
export function createArrivalMeter({ newestId, now = Date.now, windowMs = 500 }: ArrivalMeterOptions) {
  let last: { at: number; id: number } | undefined;
  let rate = 0;
  return {
    async perSecond(): Promise<number> {
      const at = now();
      if (last && at - last.at < windowMs) return rate;
      const id = await newestId();
      rate = last ? (Math.max(0, id - last.id) * 1000) / Math.max(1, at - last.at) : 0;
      last = { at, id };
      return rate;
    },
  };
}
