import { z } from 'zod';

/**
 * Field schemas for what shops and providers post to the webhooks, each with its rule in words.
 * A 400 is read by a shop developer: it says what the field allows, limits included
 * ("must be a whole number from 1 to 100000"), never zod's own phrasing ("Too big: …").
 * A missing field says so first ("is required; must be …").
 */

type Words = { error: (issue: { input?: unknown }) => string };

/** The rule as a zod error option; a missing value reads "is required; <rule>". */
export function rule(words: string): Words {
  return { error: (issue) => (issue.input === undefined ? `is required; ${words}` : words) };
}

export function text({ min = 1, max, trim = false }: { min?: number; max: number; trim?: boolean }) {
  const words = min > 0 ? `must be text of ${min} to ${max} characters` : `must be text of at most ${max} characters`;
  const base = z.string(rule(words));
  return (trim ? base.trim() : base).min(min, rule(words)).max(max, rule(words));
}

/** Text matching `pattern`, described by `words` (e.g. "must be an ISO 4217 code such as EUR"). */
export function pattern(regex: RegExp, words: string) {
  return z.string(rule(words)).regex(regex, rule(words));
}

export function wholeNumber({ min, max }: { min: number; max?: number }) {
  const words =
    max === undefined ? `must be a whole number of at least ${min}` : `must be a whole number from ${min} to ${max}`;
  const base = z.number(rule(words)).int(rule(words)).min(min, rule(words));
  return max === undefined ? base : base.max(max, rule(words));
}

export const boolean = () => z.boolean(rule('must be true or false'));

export function httpUrl({ max = 2048 }: { max?: number } = {}) {
  const words = `must be an http(s) URL of at most ${max} characters`;
  return z.url({ protocol: /^https?$/, ...rule(words) }).max(max, rule(words));
}

export function email({ max = 320 }: { max?: number } = {}) {
  const words = `must be an email address of at most ${max} characters`;
  return z.email(rule(words)).max(max, rule(words));
}

const DATE_TIME_WORDS = 'must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z';
export const STORABLE_DATE_TIME_WORDS = `${DATE_TIME_WORDS}, from year 0001 to 9999 in UTC, with a UTC offset of at most 14 hours`;
const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');
/** The widest offsets in use (UTC−12:00 to UTC+14:00); PostgreSQL refuses past ±15:59. */
const MAX_OFFSET_MINUTES = 14 * 60;

/** An ISO 8601 date-time (the format only: what stored events are read back with). */
export const dateTime = () => z.iso.datetime({ offset: true, abort: true, ...rule(DATE_TIME_WORDS) });

/**
 * A date-time PostgreSQL can store: it has no year 0000 and refuses offsets past ±15:59, and years
 * past 9999 in UTC do not even reach it as ISO text. At the door only (storableDateTime, and
 * WebhookCartEvent in events.ts): refused there, naming the field, rather than failing the insert
 * with a 500 that a shop retries for ever; events stored before the rule still read back.
 */
export function isStorableInstant(value: string): boolean {
  const instant = Date.parse(value);
  if (Number.isNaN(instant) || instant < FIRST_INSTANT || instant > LAST_INSTANT) return false;
  const offset = /([+-])(\d\d):(\d\d)$/.exec(value);
  return !offset || Number(offset[2]) * 60 + Number(offset[3]) <= MAX_OFFSET_MINUTES;
}

/** A date-time checked at the door (Shopify's and the delivery webhook's fields). */
export const storableDateTime = () => dateTime().refine(isStorableInstant, rule(STORABLE_DATE_TIME_WORDS));

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, rule(`must be one of: ${values.join(', ')}`));
}

/** A JSON array of `item`s; `noun` names them in the limit ("at most 500 items"). */
export function list<T extends z.ZodType>(
  item: T,
  { max, min = 0, noun }: { max: number; min?: number; noun: string },
) {
  const words = min > 0 ? `must be a list of ${min} to ${max} ${noun}` : `must be a list of at most ${max} ${noun}`;
  const base = z.array(item, rule(words)).max(max, rule(`must have at most ${max} ${noun}`));
  return min > 0 ? base.min(min, rule(words)) : base;
}

/** A JSON object with these fields (a wrong type reads "must be an object with …"). */
export function object<T extends z.ZodRawShape>(shape: T, what: string) {
  return z.object(shape, rule(`must be an object (${what})`));
}
