/**
 * Exponential backoff with full jitter (a random wait between 0 and min(cap, base × 2^n)), which
 * spreads the retries of many shop servers instead of synchronising them; a server's Retry-After
 * wins over it.
 */
export function backoffMs({
  retry,
  initialDelayMs,
  maxDelayMs,
  random,
}: {
  /** 1 for the first retry. */
  retry: number;
  initialDelayMs: number;
  maxDelayMs: number;
  random: () => number;
}): number {
  const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `nowMs`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
