import type { MiddlewareHandler } from 'hono';
import { Counter, Histogram, Registry } from 'prom-client';
import { CONFLICT_REASONS, type ConflictReason } from '../db/transient-conflict';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by a webhook handler once it knows the event type, for cartflow_webhooks_total. */
    webhookType: string;
    /**
     * Set by a webhook handler that knows its answer's outcome word (as in the answer's `status` or
     * `error`), so that cartflow_webhooks_total need not parse the answer again.
     */
    webhookOutcome: string;
  }
}

/** What `/metrics` reports about the HTTP server. Every label has a small, fixed set of values. */
export interface ServerMetrics {
  registry: Registry;
  /** Times every request by route group; counts webhooks by type and outcome. */
  middleware: MiddlewareHandler;
  trackingHit(hit: { type: 'open' | 'click'; machine: boolean }): void;
  unsubscribe(unsubscribe: { scope: 'all' | 'category'; source: 'one_click' | 'preferences' }): void;
  /** A webhook's store transaction that PostgreSQL aborted (deadlock, serialization) is run again. */
  intakeStoreRetry(reason: ConflictReason): void;
}

const ROUTE_GROUPS: Record<string, string> = {
  webhooks: 'webhooks',
  t: 'tracking',
  u: 'unsubscribe',
  admin: 'admin',
  codec: 'codec',
  health: 'health',
  metrics: 'metrics',
};

/** `/t/c/<token>` → `tracking`: a fixed group per first path segment, never the path itself. */
export function routeGroupOf(path: string): string {
  return ROUTE_GROUPS[path.split('/')[1] ?? ''] ?? 'other';
}

export function createServerMetrics(registry = new Registry()): ServerMetrics {
  const duration = new Histogram({
    name: 'cartflow_http_request_duration_seconds',
    help: 'HTTP request latency by route group (webhooks, tracking, unsubscribe, admin, codec, health, metrics, other)',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const webhooks = new Counter({
    name: 'cartflow_webhooks_total',
    help: "Webhooks received, by event type (or sendgrid/delivery/unknown) and outcome (the answer's status or error code)",
    labelNames: ['type', 'outcome'],
    registers: [registry],
  });
  const trackingHits = new Counter({
    name: 'cartflow_tracking_hits_total',
    help: 'Recorded opens and clicks, by type and whether a human or a machine (privacy proxy, scanner) made them',
    labelNames: ['type', 'agent'],
    registers: [registry],
  });
  const unsubscribes = new Counter({
    name: 'cartflow_unsubscribes_total',
    help: 'Unsubscribes, by scope (all marketing or one category) and source (one-click POST or the preferences page)',
    labelNames: ['scope', 'source'],
    registers: [registry],
  });
  const storeRetries = new Counter({
    name: 'cartflow_intake_store_retries_total',
    help: 'Webhook store transactions run again after PostgreSQL aborted them, by reason (deadlock, serialization, lock_not_available)',
    labelNames: ['reason'],
    registers: [registry],
  });
  // Every reason from the start at 0, so that a rate() over it has a series before the first retry.
  for (const reason of CONFLICT_REASONS) storeRetries.inc({ reason }, 0);

  const middleware: MiddlewareHandler = async (c, next) => {
    const end = duration.startTimer({ route: routeGroupOf(c.req.path), method: c.req.method });
    try {
      await next();
    } finally {
      end({ status: String(c.res.status) });
    }
    if (c.req.method === 'POST' && c.req.path.startsWith('/webhooks/')) {
      const type = c.get('webhookType') ?? webhookSourceOf(c.req.path);
      webhooks.inc({ type, outcome: c.get('webhookOutcome') ?? (await outcomeOf(c.res)) });
    }
  };

  return {
    registry,
    middleware,
    trackingHit: ({ type, machine }) => trackingHits.inc({ type, agent: machine ? 'machine' : 'human' }),
    unsubscribe: ({ scope, source }) => unsubscribes.inc({ scope, source }),
    intakeStoreRetry: (reason) => storeRetries.inc({ reason }),
  };
}

// Before a cart webhook's body is parsed its type is unknown; the delivery webhooks carry batches.
function webhookSourceOf(path: string): string {
  const source = path.split('/')[2];
  return source === 'sendgrid' || source === 'delivery' ? source : 'unknown';
}

/** The answer's own word for what happened: `status` (accepted, duplicate, ignored, ok) or `error` (a fixed code). */
async function outcomeOf(response: Response): Promise<string> {
  try {
    const body = (await response.clone().json()) as { status?: unknown; error?: unknown };
    const word = typeof body.status === 'string' ? body.status : body.error;
    if (typeof word === 'string' && /^[a-z_]{1,40}$/.test(word)) return word;
  } catch {
    // not JSON: fall through to the status code
  }
  return `http_${response.status}`;
}
