import { describe, expect, it } from 'vitest';
import { createArrivalMeter, planBatch } from '../../server/relay-pacing';

describe('how the outbox relay yields to intake', () => {
  it('delivers full batches while events arrive no faster than its busy rate, or when yielding is off', () => {
    const full = { limit: 64, minMs: 0 };
    expect(planBatch({ batchSize: 64, relayYield: { busyRate: 100 }, arrivalsPerSecond: 0 })).toEqual(full);
    expect(planBatch({ batchSize: 64, relayYield: { busyRate: 100 }, arrivalsPerSecond: 100 })).toEqual(full);
    expect(planBatch({ batchSize: 64, relayYield: 'off', arrivalsPerSecond: 5000 })).toEqual(full);
  });

  it('while intake is busy, keeps to its floor rate in small, evenly spaced batches, never none', () => {
    // 100/s: ten batches of ten a second.
    expect(planBatch({ batchSize: 64, relayYield: { busyRate: 100 }, arrivalsPerSecond: 2500 })).toEqual({
      limit: 10,
      minMs: 100,
    });
    // A floor below ten a second still delivers one event per batch, at that rate.
    expect(planBatch({ batchSize: 64, relayYield: { busyRate: 4 }, arrivalsPerSecond: 50 })).toEqual({
      limit: 1,
      minMs: 250,
    });
    // A floor above ten batches' worth of the batch size: full batches, paced.
    expect(planBatch({ batchSize: 8, relayYield: { busyRate: 1000 }, arrivalsPerSecond: 5000 })).toEqual({
      limit: 8,
      minMs: 8,
    });
  });

  it('counts arrivals from the outbox’s newest id, asking it at most once per window', async () => {
    let clock = 0;
    let newest = 1000;
    let asked = 0;
    const meter = createArrivalMeter({
      newestId: async () => (asked++, newest),
      now: () => clock,
      windowMs: 500,
    });
    expect(await meter.perSecond()).toBe(0); // the first sample has nothing to compare with
    newest += 600;
    clock += 200;
    expect(await meter.perSecond()).toBe(0); // within the window: the last figure, no query
    expect(asked).toBe(1);
    clock += 400;
    expect(await meter.perSecond()).toBe(1000); // 600 events in 600 ms
    clock += 1000;
    expect(await meter.perSecond()).toBe(0); // none since
    expect(asked).toBe(3);
  });
});
