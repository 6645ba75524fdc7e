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

  it('stops yielding while the oldest waiting event is older than the lag bound, so a backlog cannot grow forever', () => {
    const busy = { batchSize: 64, relayYield: { busyRate: 50 }, arrivalsPerSecond: 2500, maxLagMs: 60_000 };
    expect(planBatch({ ...busy, oldestAgeMs: 59_999 })).toEqual({ limit: 5, minMs: 100 });
    expect(planBatch({ ...busy, oldestAgeMs: 60_000 })).toEqual({ limit: 64, minMs: 0 });
    // Without a figure for the lag the default bound (one minute) applies.
    expect(
      planBatch({ batchSize: 64, relayYield: { busyRate: 50 }, arrivalsPerSecond: 2500, oldestAgeMs: 61_000 }),
    ).toEqual({ limit: 64, minMs: 0 });
  });

  it('counts arrivals from the outbox’s newest id and reads the oldest wait, asking the outbox at most once per window', async () => {
    let clock = 0;
    let newest = 1000;
    let oldestAgeMs = 0;
    let asked = 0;
    const meter = createArrivalMeter({
      sample: async () => (asked++, { newestId: newest, oldestAgeMs }),
      now: () => clock,
      windowMs: 500,
    });
    expect(await meter.read()).toEqual({ perSecond: 0, oldestAgeMs: 0 }); // the first sample has nothing to compare with
    newest += 600;
    oldestAgeMs = 450;
    clock += 200;
    expect(await meter.read()).toEqual({ perSecond: 0, oldestAgeMs: 0 }); // within the window: the last figures, no query
    expect(asked).toBe(1);
    clock += 400;
    expect(await meter.read()).toEqual({ perSecond: 1000, oldestAgeMs: 450 }); // 600 events in 600 ms
    clock += 1000;
    oldestAgeMs = 0;
    expect(await meter.read()).toEqual({ perSecond: 0, oldestAgeMs: 0 }); // none since, none waiting
    expect(asked).toBe(3);
  });
});
