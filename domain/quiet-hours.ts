/**
 * Quiet hours in the recipient's own time zone, with Intl only (deterministic, so workflow code
 * may call it). Instants are epoch milliseconds; a "wall" value is the local date and time
 * written as if it were UTC, which makes local arithmetic plain addition.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
/** No zone moves its clock twice within this span, so one offset change at most lies inside it. */
const TRANSITION_SEARCH = DAY;

export interface QuietWindow {
  /** Local time "HH:MM"; the window includes it. */
  start: string;
  /** Local time "HH:MM"; the window ends just before it. Earlier than `start` means it wraps midnight. */
  end: string;
}

export interface QuietHoursInput {
  at: number;
  timeZone: string;
  quietHours: QuietWindow | null;
}

/**
 * The earliest instant at or after `at` that is outside the quiet window in `timeZone`:
 * `at` itself when it is outside, otherwise the window's end in local time. When that local
 * time does not exist (the clock jumps over it), the first instant after the jump.
 */
export function endOfQuietHours({ at, timeZone, quietHours }: QuietHoursInput): number {
  if (quietHours === null) return at;
  const window = { start: minutesOf(quietHours.start), end: minutesOf(quietHours.end) };
  let candidate = at;
  // Each round moves past the window's end or a clock change; a couple of days hold few of either.
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const wall = toWall(candidate, timeZone);
    if (!isInside(window, wall)) return candidate;
    const endWall = wallStartOfDay(wall) + window.end * MINUTE + (wallMinuteOfDay(wall) >= window.end ? DAY : 0);
    const next = Math.max(candidate + 1, fromWall(endWall, timeZone, candidate));
    // A clock change on the way restarts the search from there: local time jumped.
    const change = clockChangeBetween(candidate, next, timeZone);
    candidate = change !== undefined && change < next ? change : next;
  }
  return candidate;
}

/** True when the local time of `at` in `timeZone` falls inside the quiet window. */
export function isQuietTime({ at, timeZone, quietHours }: QuietHoursInput): boolean {
  if (quietHours === null) return false;
  return isInside({ start: minutesOf(quietHours.start), end: minutesOf(quietHours.end) }, toWall(at, timeZone));
}

function minutesOf(time: string): number {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  return hours * 60 + minutes;
}

function wallStartOfDay(wall: number): number {
  return Math.floor(wall / DAY) * DAY;
}

function wallMinuteOfDay(wall: number): number {
  return (wall - wallStartOfDay(wall)) / MINUTE;
}

function isInside(window: { start: number; end: number }, wall: number): boolean {
  const minute = wallMinuteOfDay(wall);
  return window.start < window.end
    ? minute >= window.start && minute < window.end
    : minute >= window.start || minute < window.end;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local wall time of an instant (milliseconds kept). */
function toWall(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  const wholeSeconds = Date.UTC(year, month - 1, day, hour, minute, second);
  return wholeSeconds + (((instant % 1000) + 1000) % 1000);
}

function offsetAt(instant: number, timeZone: string): number {
  return toWall(instant, timeZone) - instant;
}

/**
 * The earliest instant at or after `notBefore` whose local time is `wall`; for a wall time the
 * clock skips, the instant the clock jumps. A wall time can occur twice when clocks go back.
 */
function fromWall(wall: number, timeZone: string, notBefore: number): number {
  const before = offsetAt(wall - TRANSITION_SEARCH, timeZone);
  const after = offsetAt(wall + TRANSITION_SEARCH, timeZone);
  const exact = [wall - before, wall - after]
    .filter((instant) => toWall(instant, timeZone) === wall)
    .sort((a, b) => a - b);
  const first = exact.find((instant) => instant >= notBefore) ?? exact.at(-1);
  if (first !== undefined) return first;
  // No instant shows this wall time: the clock jumped over it.
  const [low, high] = [wall - Math.max(before, after), wall - Math.min(before, after)];
  return clockChangeBetween(low, high, timeZone) ?? high;
}

/** The first instant in (low, high] whose offset is that of `high`, if the offset changes between them. */
function clockChangeBetween(low: number, high: number, timeZone: string): number | undefined {
  const after = offsetAt(high, timeZone);
  if (offsetAt(low, timeZone) === after) return undefined;
  let lo = low;
  let hi = high;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid, timeZone) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}
