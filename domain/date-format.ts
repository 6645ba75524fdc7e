import { isolateRightToLeft } from './bidi-isolate';

export type DateStyle = 'full' | 'long' | 'medium' | 'short';

export interface FormatDateInput {
  /** ISO 8601 date-time (or a Date). */
  value: string | Date;
  locale: string;
  /** IANA zone of the recipient: a date is shown as the recipient's clock reads it. */
  timeZone: string;
  dateStyle?: DateStyle;
  /** Also show the time of day (short style). */
  withTime?: boolean;
}

const formats = new Map<string, Intl.DateTimeFormat>();

interface FormatKey {
  timeZone: string;
  dateStyle: DateStyle;
  withTime: boolean;
}

// Keyed by a short string rather than the options object: this runs for every date in every send.
function dateTimeFormat(locale: string, { timeZone, dateStyle, withTime }: FormatKey): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${dateStyle}|${withTime}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle, timeZone, ...(withTime ? { timeStyle: 'short' } : {}) });
    formats.set(key, format);
  }
  return format;
}

/**
 * "2026-11-30T22:59:00Z", ru, Europe/Moscow, long, with time → "1 декабря 2026 г. в 01:59". A
 * right-to-left date comes isolated, to keep its place in text of either direction (bidi-isolate.ts).
 */
export function formatDate({ value, locale, timeZone, dateStyle = 'long', withTime = false }: FormatDateInput): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`"${String(value)}" is not a date`);
  const key: FormatKey = { timeZone, dateStyle, withTime };
  try {
    return isolateRightToLeft(dateTimeFormat(locale, key).format(date));
  } catch {
    return dateTimeFormat('en', key).format(date);
  }
}
