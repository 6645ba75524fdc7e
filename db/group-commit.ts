import { type CartEventInput, type StoredEvent, storeCartEvents } from './cart-store';
import type { Db } from './client';
import {
  type ConflictRetry,
  type ConflictRetryOptions,
  retryTransientConflicts,
  transientConflictOf,
} from './transient-conflict';
import { isDatabaseUnavailable } from './unavailable';

export interface GroupCommitOptions {
  db: Db;
  /** Most events in one transaction. Default 64. */
  maxBatch?: number;
  /**
   * Transactions in flight at once. While they are, new events wait and go together in the next
   * one: under load batches grow by themselves, and an event arriving on a quiet server is
   * stored at once (no timer to wait out). Default 1: one process's batches never run side by
   * side, so they never wait on each other's index pages or deadlock each other, and each is as
   * large as the load makes it. On 2 cores that took 58-61 % of the raw INSERT + COMMIT rate at
   * 64 webhooks in flight where 3 took 47-52 % (BENCHMARKS.md, "One transaction at a time").
   * More server processes (the scale-out recipe) each have their own.
   */
  maxInFlight?: number;
  /** How a transaction that PostgreSQL aborted for a deadlock or serialization failure is retried. */
  conflictRetries?: Omit<ConflictRetryOptions, 'onRetry'>;
  /** Told before each such retry, with the ids of the events in the transaction (a metric, a warning). */
  onConflictRetry?: (retry: ConflictRetry & { eventIds: string[] }) => void;
  /** What stores a batch in one transaction. Default db/cart-store.ts storeCartEvents; tests inject failures. */
  storeEvents?: typeof storeCartEvents;
}

/** Stores one event; resolves once its transaction committed. */
export type StoreCartEvent = (input: CartEventInput) => Promise<StoredEvent>;

interface Waiting {
  input: CartEventInput;
  resolve(stored: StoredEvent): void;
  reject(error: unknown): void;
}

/**
 * Group commit for webhooks: concurrent requests' events are stored in one transaction (one
 * COMMIT and WAL flush instead of one each), and each request still answers only after its own
 * event is committed. If the batch's transaction fails, nothing of it was written: a deadlock or
 * serialization failure (a concurrent transaction touched the same rows) runs the whole batch again
 * a few times; when the database is unreachable, or the conflict outlasts those retries, every
 * event in it gets that error (the webhook answers 503); any other failure is retried event by
 * event in transactions of their own, so one bad event fails alone.
 */
export function createGroupCommit({
  db,
  maxBatch = 64,
  maxInFlight = 1,
  conflictRetries,
  onConflictRetry,
  storeEvents = storeCartEvents,
}: GroupCommitOptions): StoreCartEvent {
  const queue: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;

  /** Requests that arrive in the same turn of the event loop go in one batch. */
  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      pump();
    });
  }

  function pump(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      inFlight += 1;
      void commit(batch).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  }

  /** One transaction for these events, run again (whole) while PostgreSQL aborts it for a conflict. */
  function store(batch: readonly Waiting[]): Promise<StoredEvent[]> {
    const inputs = batch.map(({ input }) => input);
    return retryTransientConflicts(() => storeEvents(db, inputs), {
      ...conflictRetries,
      onRetry: (retry) => onConflictRetry?.({ ...retry, eventIds: inputs.map(({ event }) => event.id) }),
    });
  }

  async function commit(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await store(batch);
      batch.forEach((waiting, i) => settle(waiting, outcomes[i]));
    } catch (error) {
      // A conflict that outlasted its retries is contention, not a bad event: storing the events
      // one by one would hold this slot for many transactions under the same contention, past
      // the shop's deadline. The 503 asks for the same events again, which is safe.
      if (batch.length === 1 || isDatabaseUnavailable(error) || transientConflictOf(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      for (const waiting of batch) {
        await store([waiting]).then(
          ([stored]) => settle(waiting, stored),
          (alone: unknown) => waiting.reject(alone),
        );
      }
    }
  }

  return (input) =>
    new Promise<StoredEvent>((resolve, reject) => {
      queue.push({ input, resolve, reject });
      schedule();
    });
}

function settle(waiting: Waiting, stored: StoredEvent | undefined): void {
  if (stored) waiting.resolve(stored);
  else waiting.reject(new Error('the batch returned no outcome for this event'));
}
