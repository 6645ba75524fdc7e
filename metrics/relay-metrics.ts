import { Counter, Gauge, type Registry } from 'prom-client';

/** What the outbox relay reports as it delivers (server/outbox-relay.ts). */
export interface RelayMetrics {
  delivered(count: number): void;
  failed(count: number): void;
}

/** The outbox as a scrape finds it: read from the database at each scrape (db/outbox-store.ts). */
export type OutboxBacklog = () => Promise<{ undelivered: number; oldestAgeSeconds: number }>;

/**
 * The relay's series in the process's registry: events delivered and failed (counters), and the
 * backlog and its oldest event's age (gauges, read at scrape time, so they are right whichever
 * process's relay delivers). An age that keeps growing means Temporal is unreachable or the relay
 * is not running anywhere.
 */
export function createRelayMetrics(registry: Registry, backlog: OutboxBacklog): RelayMetrics {
  let latest: Promise<Awaited<ReturnType<OutboxBacklog>> | undefined> | undefined;
  // One query per scrape for both gauges; a database that does not answer leaves them as they were.
  const read = () =>
    (latest ??= backlog()
      .catch(() => undefined)
      .finally(() => setImmediate(() => (latest = undefined))));
  new Gauge({
    name: 'cartflow_outbox_backlog',
    help: 'Events stored but not yet delivered to Temporal by the outbox relay',
    registers: [registry],
    async collect() {
      const stats = await read();
      if (stats) this.set(stats.undelivered);
    },
  });
  new Gauge({
    name: 'cartflow_outbox_oldest_undelivered_age_seconds',
    help: 'Age of the oldest event not yet delivered to Temporal (0 when the outbox is empty)',
    registers: [registry],
    async collect() {
      const stats = await read();
      if (stats) this.set(stats.oldestAgeSeconds);
    },
  });
  const delivered = new Counter({
    name: 'cartflow_outbox_delivered_total',
    help: 'Outbox events this process delivered to Temporal',
    registers: [registry],
  });
  const failed = new Counter({
    name: 'cartflow_outbox_delivery_failures_total',
    help: 'Outbox deliveries that failed in this process and were kept for a retry',
    registers: [registry],
  });
  return {
    delivered: (count) => delivered.inc(count),
    failed: (count) => failed.inc(count),
  };
}
