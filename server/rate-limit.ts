import type { MiddlewareHandler } from 'hono';
import type { RateLimit } from '../config/env';
import { clientNetwork } from './client-network';

export type { RateLimit };

export interface TokenBucketsOptions extends RateLimit {
  /** Most networks remembered at once; beyond it idle (full) buckets go first, then the least recent. */
  maxBuckets?: number;
  now?: () => number;
}

export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by key, in memory: each key gets `burst` requests at once and `ratePerSecond`
 * after that. A bucket that has refilled is the same as none, so those are the ones forgotten
 * first; the map never holds more than `maxBuckets`.
 */
export function createTokenBuckets({ ratePerSecond, burst, maxBuckets = 10_000, now = Date.now }: TokenBucketsOptions) {
  const buckets = new Map<string, Bucket>();
  const refilled = (bucket: Bucket, at: number) =>
    Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * ratePerSecond);

  function evict(at: number) {
    for (const [key, bucket] of buckets) if (refilled(bucket, at) >= burst) buckets.delete(key);
    // Map order is least recently used first (take() re-inserts): drop from the front, a tenth at
    // once so that a flood of new networks does not sweep the whole map on every request.
    for (const key of buckets.keys()) {
      if (buckets.size < maxBuckets * 0.9) break;
      buckets.delete(key);
    }
  }

  return {
    take(key: string): Take {
      const at = now();
      const existing = buckets.get(key);
      if (existing) buckets.delete(key);
      else if (buckets.size >= maxBuckets) evict(at);
      const tokens = existing ? refilled(existing, at) : burst;
      if (tokens >= 1) {
        buckets.set(key, { tokens: tokens - 1, at });
        return { ok: true };
      }
      buckets.set(key, { tokens, at });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / ratePerSecond)) };
    },
    get size() {
      return buckets.size;
    },
  };
}

/**
 * Limits a route group per client network (IPv4 /24, IPv6 /48; TRUST_PROXY as for tracking).
 * Over the limit: 429 with Retry-After. Requests whose network is unknown share one bucket.
 */
export function rateLimit(
  group: string,
  limit: RateLimit | 'off',
  { trustProxy, now }: { trustProxy: boolean; now?: () => number },
): MiddlewareHandler {
  if (limit === 'off') return (_c, next) => next();
  const buckets = createTokenBuckets({ ...limit, now });
  return async (c, next) => {
    const taken = buckets.take(clientNetwork(c, { trustProxy }) ?? 'unknown');
    if (taken.ok) return next();
    c.header('Retry-After', String(taken.retryAfterSeconds));
    c.header('Cache-Control', 'no-store');
    return c.json(
      {
        error: 'rate_limited',
        message: `too many ${group} requests from your network; retry in ${taken.retryAfterSeconds} s`,
      },
      429,
    );
  };
}
