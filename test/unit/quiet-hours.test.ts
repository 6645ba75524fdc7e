import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { endOfQuietHours, isQuietTime, type QuietWindow } from '../../domain/quiet-hours';

const night: QuietWindow = { start: '21:00', end: '08:00' };
const at = (iso: string) => Date.parse(iso);
const sendTime = (iso: string, timeZone: string, quietHours: QuietWindow | null = night) =>
  new Date(endOfQuietHours({ at: at(iso), timeZone, quietHours })).toISOString();

describe('quiet hours in the recipient time zone', () => {
  it('leaves a time outside the window as it is', () => {
    expect(sendTime('2026-06-10T10:00:00.000Z', 'Europe/Berlin')).toBe('2026-06-10T10:00:00.000Z'); // 12:00 CEST
    expect(sendTime('2026-06-10T06:00:00.000Z', 'Europe/Berlin')).toBe('2026-06-10T06:00:00.000Z'); // 08:00 sharp
    expect(sendTime('2026-06-10T22:00:00.000Z', 'Europe/Berlin', null)).toBe('2026-06-10T22:00:00.000Z');
  });

  it('moves a time inside the window to its end, the same night or the next morning', () => {
    expect(sendTime('2026-06-10T19:00:00.000Z', 'Europe/Berlin')).toBe('2026-06-11T06:00:00.000Z'); // 21:00 CEST
    expect(sendTime('2026-06-10T20:30:00.000Z', 'Europe/Berlin')).toBe('2026-06-11T06:00:00.000Z');
    expect(sendTime('2026-06-11T04:00:00.000Z', 'Europe/Berlin')).toBe('2026-06-11T06:00:00.000Z'); // 06:00 CEST
    // The same UTC instant is midday in Tokyo: no wait there.
    expect(sendTime('2026-06-11T04:00:00.000Z', 'Asia/Tokyo')).toBe('2026-06-11T04:00:00.000Z');
  });

  it('handles a window that does not wrap midnight', () => {
    const lunch = { start: '12:00', end: '14:00' };
    expect(sendTime('2026-06-10T11:00:00.000Z', 'Europe/Berlin', lunch)).toBe('2026-06-10T12:00:00.000Z');
    expect(sendTime('2026-06-10T12:00:00.000Z', 'Europe/Berlin', lunch)).toBe('2026-06-10T12:00:00.000Z');
    expect(sendTime('2026-06-10T09:59:00.000Z', 'Europe/Berlin', lunch)).toBe('2026-06-10T09:59:00.000Z');
  });

  it('ends at 08:00 local on the nights the clocks change in Berlin', () => {
    // 29 March 2026: 02:00 CET becomes 03:00 CEST, so 08:00 is 06:00 UTC, not 07:00.
    expect(sendTime('2026-03-28T21:00:00.000Z', 'Europe/Berlin')).toBe('2026-03-29T06:00:00.000Z');
    // 25 October 2026: 03:00 CEST becomes 02:00 CET, so 08:00 is 07:00 UTC.
    expect(sendTime('2026-10-24T20:00:00.000Z', 'Europe/Berlin')).toBe('2026-10-25T07:00:00.000Z');
  });

  it('ends at 08:00 local on the nights the clocks change in New York', () => {
    expect(sendTime('2026-03-08T02:00:00.000Z', 'America/New_York')).toBe('2026-03-08T12:00:00.000Z'); // EDT
    expect(sendTime('2026-11-01T01:30:00.000Z', 'America/New_York')).toBe('2026-11-01T13:00:00.000Z'); // EST
  });

  it('ends at the jump when the window end is a local time the clock skips', () => {
    const late = { start: '22:00', end: '02:30' };
    // Berlin has no 02:30 on 29 March 2026: the clock goes from 02:00 CET straight to 03:00 CEST.
    expect(sendTime('2026-03-28T22:00:00.000Z', 'Europe/Berlin', late)).toBe('2026-03-29T01:00:00.000Z');
    // New York has no 02:30 on 8 March 2026.
    expect(sendTime('2026-03-08T04:00:00.000Z', 'America/New_York', late)).toBe('2026-03-08T07:00:00.000Z');
  });

  it('picks the right one of a repeated hour when the clocks go back', () => {
    const late = { start: '23:00', end: '01:30' };
    // New York lives 01:00–02:00 twice on 1 November 2026: first in EDT, then in EST.
    expect(sendTime('2026-11-01T05:10:00.000Z', 'America/New_York', late)).toBe('2026-11-01T05:30:00.000Z');
    expect(sendTime('2026-11-01T06:10:00.000Z', 'America/New_York', late)).toBe('2026-11-01T06:30:00.000Z');
    expect(sendTime('2026-11-01T05:40:00.000Z', 'America/New_York', late)).toBe('2026-11-01T05:40:00.000Z');
  });

  it('follows the local clock when it goes back inside the window', () => {
    // Quiet from 02:15 to midnight: at 02:59 CEST on 25 October 2026 Berlin goes back to 02:00 CET, outside it.
    const evening = { start: '02:15', end: '00:00' };
    expect(sendTime('2026-10-25T00:30:00.000Z', 'Europe/Berlin', evening)).toBe('2026-10-25T01:00:00.000Z');
    // Quiet but for 01:01–01:15: New York at 01:59 EDT goes back to 01:00 EST, and 01:01 EST comes an hour later.
    const allButAQuarter = { start: '01:15', end: '01:01' };
    expect(sendTime('2026-11-01T05:59:00.000Z', 'America/New_York', allButAQuarter)).toBe('2026-11-01T06:01:00.000Z');
  });

  it('handles zones with half- and quarter-hour offsets', () => {
    // Kolkata is UTC+05:30 all year: 21:30 IST → 08:00 IST.
    expect(sendTime('2026-06-10T16:00:00.000Z', 'Asia/Kolkata')).toBe('2026-06-11T02:30:00.000Z');
    // Chatham is UTC+12:45 in winter and +13:45 from 27 September 2026 (02:45 → 03:45).
    expect(sendTime('2026-06-10T09:00:00.000Z', 'Pacific/Chatham')).toBe('2026-06-10T19:15:00.000Z');
    expect(sendTime('2026-09-26T09:00:00.000Z', 'Pacific/Chatham')).toBe('2026-09-26T18:15:00.000Z');
  });

  it('reports whether a time is quiet', () => {
    expect(isQuietTime({ at: at('2026-06-10T20:00:00Z'), timeZone: 'Europe/Berlin', quietHours: night })).toBe(true);
    expect(isQuietTime({ at: at('2026-06-10T20:00:00Z'), timeZone: 'America/New_York', quietHours: night })).toBe(
      false,
    );
  });
});

const zones = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/Santiago',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Pacific/Apia',
];
const localTime = fc
  .record({ hours: fc.integer({ min: 0, max: 23 }), minutes: fc.integer({ min: 0, max: 59 }) })
  .map(({ hours, minutes }) => `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`);
const windowArb = fc.record({ start: localTime, end: localTime }).filter((window) => window.start !== window.end);
const instant = fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2031-01-01T00:00:00Z') });
const HOUR = 3_600_000;
// Random instants rarely land on a clock change: also try the 30 hours before some of them.
const clockChanges = [
  '2026-03-29T01:00:00Z', // Berlin, forward
  '2026-10-25T01:00:00Z', // Berlin, back
  '2026-03-08T07:00:00Z', // New York, forward
  '2026-11-01T06:00:00Z', // New York, back
  '2026-04-04T14:00:00Z', // Chatham, back
  '2026-09-26T14:00:00Z', // Chatham, forward
  '2026-10-03T15:00:00Z', // Lord Howe, forward by 30 minutes
].map(Date.parse);
const nearClockChange = fc
  .record({ change: fc.constantFrom(...clockChanges), before: fc.integer({ min: 0, max: 30 * HOUR }) })
  .map(({ change, before }) => change - before);

describe('quiet hours, for any zone, window and time', () => {
  it('never returns a time inside the window, never an earlier one, and no later than needed', () => {
    fc.assert(
      fc.property(
        fc.oneof(instant, nearClockChange),
        fc.constantFrom(...zones),
        windowArb,
        (start, timeZone, quietHours) => {
          const result = endOfQuietHours({ at: start, timeZone, quietHours });
          expect(result).toBeGreaterThanOrEqual(start);
          expect(isQuietTime({ at: result, timeZone, quietHours })).toBe(false);
          // A day and a bit: a clock jump can swallow the one free minute of a 23:59-long window.
          expect(result - start).toBeLessThanOrEqual(48 * HOUR);
          if (result > start) {
            // Minimal: quiet all along from the input to just before the result.
            for (let probe = start; probe < result; probe += 15 * 60_000) {
              expect(isQuietTime({ at: probe, timeZone, quietHours })).toBe(true);
            }
            expect(isQuietTime({ at: result - 1, timeZone, quietHours })).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
