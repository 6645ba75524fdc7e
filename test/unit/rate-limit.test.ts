import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env';
import { createTokenBuckets } from '../../server/rate-limit';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const takeMany = (buckets: ReturnType<typeof createTokenBuckets>, key: string, count: number) =>
  Array.from({ length: count }, () => buckets.take(key).ok);

describe('token buckets', () => {
  it('allows a burst, then refuses with the seconds until the next token', () => {
    const time = clock();
    const buckets = createTokenBuckets({ ratePerSecond: 5, burst: 20, now: time.now });
    expect(takeMany(buckets, 'net-a', 20).every(Boolean)).toBe(true);
    expect(buckets.take('net-a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    // Another network has its own bucket.
    expect(buckets.take('net-b').ok).toBe(true);
  });

  it('refills at the rate: 5 a second after a second', () => {
    const time = clock();
    const buckets = createTokenBuckets({ ratePerSecond: 5, burst: 20, now: time.now });
    takeMany(buckets, 'net', 20);
    time.advance(1_000);
    expect(takeMany(buckets, 'net', 6)).toEqual([true, true, true, true, true, false]);
    time.advance(199);
    expect(buckets.take('net').ok).toBe(false);
    time.advance(1);
    expect(buckets.take('net').ok).toBe(true);
  });

  it('a slow rate says how long to wait: 0.1/s is 10 s', () => {
    const time = clock();
    const buckets = createTokenBuckets({ ratePerSecond: 0.1, burst: 1, now: time.now });
    expect(buckets.take('net').ok).toBe(true);
    expect(buckets.take('net')).toEqual({ ok: false, retryAfterSeconds: 10 });
  });

  it('never holds more than maxBuckets; refilled buckets are forgotten first', () => {
    const time = clock();
    const buckets = createTokenBuckets({ ratePerSecond: 1, burst: 2, maxBuckets: 100, now: time.now });
    takeMany(buckets, 'busy', 2); // empty, remembered
    for (let i = 0; i < 99; i++) buckets.take(`idle-${i}`);
    time.advance(1_000); // the idle ones are full again; 'busy' has one token
    for (let i = 0; i < 1_000; i++) buckets.take(`new-${i}`);
    expect(buckets.size).toBeLessThanOrEqual(100);
  });

  it('under a flood of new networks the least recently seen go first', () => {
    const time = clock();
    const buckets = createTokenBuckets({ ratePerSecond: 1, burst: 1, maxBuckets: 10, now: time.now });
    buckets.take('old');
    for (let i = 0; i < 9; i++) buckets.take(`n-${i}`);
    buckets.take('old'); // refused, but now the most recent
    buckets.take('newcomer'); // the map is full of empty buckets: the least recent are dropped
    expect(buckets.size).toBeLessThanOrEqual(10);
    expect(buckets.take('old').ok).toBe(false); // still remembered: still limited
  });
});

describe('RATE_LIMIT_* configuration', () => {
  it('defaults: webhooks 50/s burst 200, tracking 20/s burst 100, unsubscribe 5/s burst 20', () => {
    const config = loadConfig({});
    expect(config.RATE_LIMIT_WEBHOOKS).toEqual({ ratePerSecond: 50, burst: 200 });
    expect(config.RATE_LIMIT_TRACKING).toEqual({ ratePerSecond: 20, burst: 100 });
    expect(config.RATE_LIMIT_UNSUBSCRIBE).toEqual({ ratePerSecond: 5, burst: 20 });
  });

  it('reads `<rate>/s,<burst>` and `off`, and names the variable of a bad value', () => {
    const config = loadConfig({ RATE_LIMIT_TRACKING: '2.5/s, 10', RATE_LIMIT_WEBHOOKS: 'off' });
    expect(config.RATE_LIMIT_TRACKING).toEqual({ ratePerSecond: 2.5, burst: 10 });
    expect(config.RATE_LIMIT_WEBHOOKS).toBe('off');
    expect(() => loadConfig({ RATE_LIMIT_UNSUBSCRIBE: '5 per second' })).toThrow(
      /RATE_LIMIT_UNSUBSCRIBE: "5 per second" is not a rate limit \(use e\.g\. 20\/s,100 or off\)/,
    );
    expect(() => loadConfig({ RATE_LIMIT_UNSUBSCRIBE: '0/s,10' })).toThrow(/RATE_LIMIT_UNSUBSCRIBE/);
  });

  it('SHUTDOWN_GRACE defaults to 30 s; WORKER_HEALTH_PORT is off unless set', () => {
    expect(loadConfig({}).SHUTDOWN_GRACE).toBe(30_000);
    expect(loadConfig({}).WORKER_HEALTH_PORT).toBeUndefined();
    expect(loadConfig({ WORKER_HEALTH_PORT: '3001', SHUTDOWN_GRACE: '5s' })).toMatchObject({
      WORKER_HEALTH_PORT: 3001,
      SHUTDOWN_GRACE: 5_000,
    });
    expect(() => loadConfig({ WORKER_HEALTH_PORT: 'http' })).toThrow(/WORKER_HEALTH_PORT/);
  });
});
