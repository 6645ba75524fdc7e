import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFrequency, checkReentry, type FrequencyLimits } from '../../domain/frequency';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = Date.parse('2026-11-23T12:00:00Z');
const limits: FrequencyLimits = { minGap: 16 * HOUR, maxPer7Days: 3, maxDeferral: 24 * HOUR };
const ago = (...hours: number[]) => hours.map((h) => now - h * HOUR);

describe('frequency caps', () => {
  it('sends to someone who got nothing recently', () => {
    expect(checkFrequency({ now, previousSends: [], limits })).toEqual({ action: 'send' });
    expect(checkFrequency({ now, previousSends: ago(16, 200), limits })).toEqual({ action: 'send' });
  });

  it('defers until 16 h after the last marketing email', () => {
    expect(checkFrequency({ now, previousSends: ago(200, 10), limits })).toEqual({
      action: 'defer',
      until: now + 6 * HOUR,
    });
  });

  it('defers a fourth email in 7 days until the oldest of the three ages out', () => {
    // Sent 6.5 days, 3 days and 1 day ago: the first leaves the 7-day window in 12 hours.
    const previousSends = ago(156, 72, 24);
    expect(checkFrequency({ now, previousSends, limits })).toEqual({ action: 'defer', until: now + 12 * HOUR });
  });

  it('counts the window as the last 7 days exactly: a send 7 days ago no longer counts', () => {
    expect(checkFrequency({ now, previousSends: [now - 7 * DAY, ...ago(72, 24)], limits })).toEqual({
      action: 'send',
    });
  });

  it('skips when the wait would be longer than the allowed deferral', () => {
    const previousSends = ago(100, 72, 24); // the oldest ages out in 68 h
    expect(checkFrequency({ now, previousSends, limits })).toEqual({
      action: 'skip',
      reason: 'frequency_cap',
      until: now + 68 * HOUR,
    });
  });

  it('waits for whichever cap frees up last', () => {
    const twoPerWeek = { ...limits, maxPer7Days: 2 };
    // Weekly cap frees in 8 h, the gap in 14 h.
    expect(checkFrequency({ now, previousSends: ago(160, 2), limits: twoPerWeek })).toEqual({
      action: 'defer',
      until: now + 14 * HOUR,
    });
    // Weekly cap frees in 18 h, the gap has passed.
    expect(checkFrequency({ now, previousSends: ago(150, 17), limits: twoPerWeek })).toEqual({
      action: 'defer',
      until: now + 18 * HOUR,
    });
  });

  it('never lets a send at the returned time break either cap', () => {
    const sends = fc.array(fc.integer({ min: now - 10 * DAY, max: now }), { maxLength: 8 });
    const policy = fc.record({
      minGap: fc.integer({ min: 0, max: 48 }).map((h) => h * HOUR),
      maxPer7Days: fc.integer({ min: 1, max: 5 }),
      maxDeferral: fc.constant(30 * DAY),
    });
    fc.assert(
      fc.property(sends, policy, (previousSends, policyLimits) => {
        const decision = checkFrequency({ now, previousSends, limits: policyLimits });
        const sendAt = decision.action === 'send' ? now : decision.until;
        expect(sendAt).toBeGreaterThanOrEqual(now);
        for (const sent of previousSends) expect(sendAt - sent).toBeGreaterThanOrEqual(policyLimits.minGap);
        const inWeek = previousSends.filter((sent) => sent > sendAt - 7 * DAY).length;
        expect(inWeek).toBeLessThan(policyLimits.maxPer7Days);
        // And not a moment later than needed, unless sending now is fine.
        if (decision.action !== 'send') {
          const earlier = checkFrequency({ now: sendAt - 1, previousSends, limits: policyLimits });
          expect(earlier.action).not.toBe('send');
        }
      }),
    );
  });
});

describe('re-entry cooldown', () => {
  it('lets a customer in again only after the cooldown since the last chain ended', () => {
    const cooldown = 7 * DAY;
    expect(checkReentry({ now, lastChainEndedAt: undefined, cooldown })).toEqual({ allowed: true });
    expect(checkReentry({ now, lastChainEndedAt: now - 2 * DAY, cooldown })).toEqual({
      allowed: false,
      until: now + 5 * DAY,
    });
    expect(checkReentry({ now, lastChainEndedAt: now - 7 * DAY, cooldown })).toEqual({ allowed: true });
  });
});
