import { Hono } from 'hono';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { CartEventInput, StoredEvent } from '../../db/cart-store';
import { createGroupCommit } from '../../db/group-commit';
import { type ConflictRetry, retryTransientConflicts, transientConflictOf } from '../../db/transient-conflict';
import { CartEvent } from '../../domain/events';
import { acceptCartEvent } from '../../server/accept-cart-event';
import type { CartWorkflows } from '../../server/cart-workflows';
import { cartUpdatedEvent } from '../helpers/cart-events';

// The retry policy for transactions PostgreSQL aborts for a conflict, with the store standing in
// for PostgreSQL (the real deadlock is test/integration/intake-deadlock.test.ts).

/** The shape of postgres.js's PostgresError, wrapped the way drizzle's DrizzleQueryError wraps it. */
function postgresError(code: string): Error {
  const error = Object.assign(new Error('deadlock detected'), { code });
  return new Error('Failed query: insert into cart_events …', { cause: error });
}

const noPause = () => Promise.resolve();

describe('retryTransientConflicts', () => {
  it('runs the attempt again after a deadlock or serialization failure, and says why', async () => {
    const failures = [postgresError('40P01'), postgresError('40001')];
    const retries: ConflictRetry[] = [];
    const result = await retryTransientConflicts(
      async () => {
        const failure = failures.shift();
        if (failure) throw failure;
        return 'stored';
      },
      { pause: noPause, onRetry: (retry) => retries.push(retry) },
    );
    expect(result).toBe('stored');
    expect(retries).toEqual([
      { reason: 'deadlock', retry: 1 },
      { reason: 'serialization', retry: 2 },
    ]);
  });

  it('throws any other error at once, without a retry', async () => {
    let attempts = 0;
    const unique = postgresError('23505');
    await expect(
      retryTransientConflicts(
        async () => {
          attempts += 1;
          throw unique;
        },
        { pause: noPause },
      ),
    ).rejects.toBe(unique);
    expect(attempts).toBe(1);
    expect(transientConflictOf(unique)).toBeUndefined();
  });
});

describe('a webhook whose transaction keeps deadlocking', () => {
  const events = Array.from({ length: 3 }, () => CartEvent.parse(cartUpdatedEvent()));
  const inputs: CartEventInput[] = events.map((event) => ({ shopId: 'shop', event, payload: event }));

  function alwaysDeadlocked() {
    const calls: number[] = [];
    const retries: Array<ConflictRetry & { eventIds: string[] }> = [];
    const store = createGroupCommit({
      db: {} as never, // never reached: storeEvents below stands in for the database
      conflictRetries: { retries: 3, pause: noPause },
      onConflictRetry: (retry) => retries.push(retry),
      storeEvents: (_db, batch): Promise<StoredEvent[]> => {
        calls.push(batch.length);
        return Promise.reject(postgresError('40P01'));
      },
    });
    return { store, calls, retries };
  }

  it('is tried a bounded number of times, as a whole batch, and every event in it is refused', async () => {
    const { store, calls, retries } = alwaysDeadlocked();
    const settled = await Promise.allSettled(inputs.map(store));
    expect(settled.map(({ status }) => status)).toEqual(['rejected', 'rejected', 'rejected']);
    // One batch of three, retried whole three times; never split into one-by-one transactions.
    expect(calls).toEqual([3, 3, 3, 3]);
    expect(retries.map(({ retry, eventIds }) => [retry, eventIds.length])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('then answers 503 with Retry-After asking for the same event again, never a 500', async () => {
    const { store } = alwaysDeadlocked();
    const app = new Hono();
    app.post('/webhooks/cart', (c) =>
      acceptCartEvent(
        c,
        {
          db: {} as never,
          store,
          workflows: {} as CartWorkflows, // never reached: nothing was stored
          relay: { wake() {} },
          logger: pino({ level: 'silent' }),
          shopId: 'shop',
          now: Date.now,
        },
        { event: events[0]!, payload: events[0] },
      ),
    );
    const response = await app.request('/webhooks/cart', { method: 'POST' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({
      error: 'temporarily_unavailable',
      message: 'the event could not be stored; retry the same event later',
    });
  });
});
