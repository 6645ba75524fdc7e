/**
 * Why PostgreSQL aborted a transaction that would succeed if simply run again: a deadlock with a
 * concurrent transaction (SQLSTATE 40P01), a serialization failure (40001) or a lock it could not
 * take at once (55P03). The aborted transaction was rolled back whole, so nothing of it is written.
 */
export type ConflictReason = 'deadlock' | 'serialization' | 'lock_not_available';

export const CONFLICT_REASONS: readonly ConflictReason[] = ['deadlock', 'serialization', 'lock_not_available'];

const reasonOfCode: Record<string, ConflictReason> = {
  '40P01': 'deadlock',
  '40001': 'serialization',
  '55P03': 'lock_not_available',
};

/**
 * The transient conflict behind `error`, if it is one: postgres.js puts the SQLSTATE in `code`,
 * and drizzle (DrizzleQueryError) wraps that error as its `cause`.
 */
export function transientConflictOf(error: unknown): ConflictReason | undefined {
  for (let cause: unknown = error, depth = 0; cause && depth < 5; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && code in reasonOfCode) return reasonOfCode[code];
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface ConflictRetry {
  reason: ConflictReason;
  /** 1 for the first retry. */
  retry: number;
}

export interface ConflictRetryOptions {
  /** Attempts after the first one. Default 3. */
  retries?: number;
  /** Waits before retry number `retry`. Default: about 25, 50, 100 ms, each jittered by ±50 %. */
  pause?: (retry: number) => Promise<void>;
  /** Told before each retry (a metric, a warning). */
  onRetry?: (retry: ConflictRetry) => void;
}

/**
 * Runs `attempt` (a whole transaction) again when PostgreSQL aborted it for a transient conflict,
 * a bounded number of times; any other error, or the last conflict, is thrown as it came.
 * The pause is jittered so that two transactions aborted together do not collide again in step.
 */
export async function retryTransientConflicts<T>(
  attempt: () => Promise<T>,
  { retries = 3, pause = jitteredPause, onRetry }: ConflictRetryOptions = {},
): Promise<T> {
  for (let retry = 1; ; retry += 1) {
    try {
      return await attempt();
    } catch (error) {
      const reason = transientConflictOf(error);
      if (!reason || retry > retries) throw error;
      onRetry?.({ reason, retry });
      await pause(retry);
    }
  }
}

function jitteredPause(retry: number): Promise<void> {
  const ms = 25 * 2 ** (retry - 1) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
