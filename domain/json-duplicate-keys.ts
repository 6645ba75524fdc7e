/**
 * Duplicate keys in JSON text. JSON.parse keeps the last of two equal keys without a word, while
 * the shop's own JSON library may have meant (or read) the first: the signature covers the bytes,
 * not their meaning, so a webhook body with a key twice in one object is refused rather than
 * guessed at.
 *
 * One pass over the text with an explicit stack (no recursion: a body of 256 KiB of `[` nests
 * 262,144 levels, and that must not overflow the call stack). It expects text that JSON.parse has
 * already accepted, so it only tracks strings, nesting and commas; on any other text it still
 * terminates without throwing, but what it reports is then unspecified.
 */

/** One segment of a path: an object's key or an array's index. */
export type JsonPathSegment = string | number;

export interface DuplicateKey {
  /** The key as JSON.parse reads it (escapes resolved: `"\u0061"` is `a`). */
  key: string;
  /** The object holding it, from the document's root: `['data', 'items', 1]`; `[]` for the root. */
  path: JsonPathSegment[];
}

interface ObjectFrame {
  kind: 'object';
  /** Its keys so far: a short list compared one by one, a set from LINEAR_KEYS on. */
  keys: string[] | Set<string>;
  /** The last key read: the segment of the value after it. */
  lastKey: string;
  expectingKey: boolean;
  segment: JsonPathSegment | undefined;
}

interface ArrayFrame {
  kind: 'array';
  index: number;
  segment: JsonPathSegment | undefined;
}

type Frame = ObjectFrame | ArrayFrame;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/** The first key that appears twice in one object of `json` (valid JSON text), or undefined. */
export function findDuplicateKey(json: string): DuplicateKey | undefined {
  const stack: Frame[] = [];
  let i = 0;
  while (i < json.length) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(json, i);
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.expectingKey) {
        const key = keyText(json, i, end);
        if (!addKey(top, key)) return { key, path: pathOf(stack) };
        top.lastKey = key;
        top.expectingKey = false;
      }
      i = end + 1;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const segment = segmentInside(stack[stack.length - 1]);
      stack.push(
        c === OPEN_BRACE
          ? { kind: 'object', keys: [], lastKey: '', expectingKey: true, segment }
          : { kind: 'array', index: 0, segment },
      );
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      stack.pop();
    } else if (c === COMMA) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') top.expectingKey = true;
      else if (top) top.index += 1;
    }
    // Anything else is whitespace, a colon or a number, true, false or null: nothing to track.
    i += 1;
  }
  return undefined;
}

/**
 * Most objects have a handful of keys, where comparing each is cheaper than hashing into a set;
 * a set from this many on keeps an object of 40,000 keys linear.
 */
const LINEAR_KEYS = 16;

/** False when the object already has `key`. */
function addKey(frame: ObjectFrame, key: string): boolean {
  const { keys } = frame;
  if (keys instanceof Set) {
    if (keys.has(key)) return false;
    keys.add(key);
    return true;
  }
  for (let k = 0; k < keys.length; k += 1) if (keys[k] === key) return false;
  keys.push(key);
  if (keys.length === LINEAR_KEYS) frame.keys = new Set(keys);
  return true;
}

/** The index of the quote that closes the string opening at `open` (or the text's end). */
function closingQuote(json: string, open: number): number {
  let end = json.indexOf('"', open + 1);
  while (end !== -1 && escaped(json, end)) end = json.indexOf('"', end + 1);
  return end === -1 ? json.length : end;
}

/** A quote is escaped when an odd number of backslashes stands right before it. */
function escaped(json: string, quote: number): boolean {
  let backslashes = 0;
  for (let k = quote - 1; json.charCodeAt(k) === BACKSLASH; k -= 1) backslashes += 1;
  return backslashes % 2 === 1;
}

/** The key as JSON.parse reads it; only a key with an escape needs decoding. */
function keyText(json: string, open: number, close: number): string {
  const raw = json.slice(open + 1, close);
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(json.slice(open, close + 1)) as string;
  } catch {
    return raw; // Not valid JSON after all: the result is unspecified, but nothing throws.
  }
}

function segmentInside(parent: Frame | undefined): JsonPathSegment | undefined {
  if (!parent) return undefined;
  return parent.kind === 'object' ? parent.lastKey : parent.index;
}

function pathOf(stack: Frame[]): JsonPathSegment[] {
  const path: JsonPathSegment[] = [];
  for (const frame of stack) if (frame.segment !== undefined) path.push(frame.segment);
  return path;
}

/** A key written plainly in a path; any other is quoted as a JSON string, so no path reads two ways. */
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Longer keys are cut in a message: a 200 KB key is the shop's bug, not something to echo back whole. */
const SHOWN_KEY_LENGTH = 100;

/** A path deeper than this shows its first and last segments around `…` (a quoted key never reads `…`). */
const SHOWN_SEGMENTS = { first: 8, last: 8 };

/**
 * The path as the webhooks' 400s write paths (`data.items.1`, as in `issues[].path`), except that
 * a key that could be misread — with a dot, a space, a quote, all digits, empty — is written as a
 * JSON string: `data."a.b"`, `data."0"`. `(body)` for the root.
 */
export function formatJsonPath(path: readonly JsonPathSegment[]): string {
  if (path.length === 0) return '(body)';
  const { first, last } = SHOWN_SEGMENTS;
  const shown =
    path.length > first + last + 1
      ? [...path.slice(0, first).map(segmentText), '…', ...path.slice(-last).map(segmentText)]
      : path.map(segmentText);
  return shown.join('.');
}

function segmentText(segment: JsonPathSegment): string {
  if (typeof segment === 'number') return String(segment);
  return PLAIN_KEY.test(segment) && segment.length <= SHOWN_KEY_LENGTH ? segment : quotedKey(segment);
}

function quotedKey(key: string): string {
  if (key.length <= SHOWN_KEY_LENGTH) return JSON.stringify(key);
  return `${JSON.stringify(key.slice(0, SHOWN_KEY_LENGTH)).slice(0, -1)}…"`;
}

/** `duplicate key "email" at data.customer; each key may appear once per object` */
export function describeDuplicateKey({ key, path }: DuplicateKey): string {
  const length = key.length > SHOWN_KEY_LENGTH ? ` (${key.length} characters)` : '';
  return `duplicate key ${quotedKey(key)}${length} at ${formatJsonPath(path)}; each key may appear once per object`;
}
