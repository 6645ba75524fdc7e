import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process: the server's and the worker's series (one process under `npm start`)
 * plus Node's own (heap, event-loop lag, CPU). Temporal's SDK metrics are exported separately, by
 * its Rust core (TEMPORAL_METRICS_PORT).
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cartflow_' });
  return registry;
}
