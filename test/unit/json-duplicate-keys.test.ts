import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type JsonPathSegment,
  describeDuplicateKey,
  findDuplicateKey,
  formatJsonPath,
} from '../../domain/json-duplicate-keys';

// JSON.parse keeps the last of two equal keys; the webhooks refuse such a body instead. The
// checker runs on every webhook, after JSON.parse accepted the text.

describe('findDuplicateKey', () => {
  it.each([
    ['at the top', '{"id":"a","id":"b"}', 'id', []],
    [
      'in a nested object',
      '{"data":{"customer":{"email":"a@x.org","name":"A","email":"b@x.org"}}}',
      'email',
      ['data', 'customer'],
    ],
    [
      'in the second object of an array',
      '{"data":{"items":[{"sku":"a"},{"sku":"b","sku":"c"}]}}',
      'sku',
      ['data', 'items', 1],
    ],
    ['spelled with an escape (as JSON.parse reads it)', '{"a":1,"\\u0061":2}', 'a', []],
    ['with an escaped quote in it', '{"say \\"hi\\"":1,"say \\u0022hi\\"":2}', 'say "hi"', []],
    ['empty', '{"":1,"":2}', '', []],
    ['__proto__ (an ordinary key to JSON.parse)', '{"__proto__":1,"__proto__":{}}', '__proto__', []],
    ['Cyrillic, under a key with a dot', '{"a.b":{"имя":1,"имя":2}}', 'имя', ['a.b']],
    ['after values that hold braces, quotes and commas', '{"a":"{\\"b\\":1,","b":[",}"],"c\\\\":{},"b":0}', 'b', []],
    ['with whitespace everywhere', ' {\n  "x" : [ 1 , { "y" : 1 ,\t"y" : 2 } ]\r\n} ', 'y', ['x', 1]],
  ])('reports a key twice %s', (_where, json, key, path) => {
    expect(() => JSON.parse(json)).not.toThrow();
    expect(findDuplicateKey(json)).toEqual({ key, path });
  });

  it.each([
    ['the same key in different objects', '{"a":{"a":1},"b":{"a":2},"c":[{"a":3},{"a":4}]}'],
    ['a value equal to a key', '{"a":"a","b":"a"}'],
    ['a value that looks like a key', '{"a":"\\",\\"a\\":1","b":2}'],
    ['keys that differ only after an escape', '{"a\\\\":1,"a\\"":2,"a":3}'],
    ['keys that differ in case or normalization', '{"e":1,"E":2,"\\u00e9":3,"e\\u0301":4}'],
    ['scalars and empty containers', '[1,-2.5e3,true,false,null,"x",{},[]]'],
  ])('accepts %s', (_what, json) => {
    expect(() => JSON.parse(json)).not.toThrow();
    expect(findDuplicateKey(json)).toBeUndefined();
  });

  it('goes through 256 KiB of nesting without recursion, and names the place', () => {
    const depth = 128 * 1024;
    const arrays = `${'['.repeat(depth)}{"a":1,"a":2}${']'.repeat(depth)}`;
    expect(findDuplicateKey(arrays)).toEqual({ key: 'a', path: Array.from({ length: depth }, () => 0) });
    const objects = `${'{"k":'.repeat(depth / 4)}{"a":1,"a":2}${'}'.repeat(depth / 4)}`;
    expect(findDuplicateKey(objects)?.path).toHaveLength(depth / 4);
    expect(findDuplicateKey(`${'{"k":'.repeat(depth / 4)}1${'}'.repeat(depth / 4)}`)).toBeUndefined();
  });

  it('finds a duplicate among 40,000 keys of one object', () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `"k${i}":${i}`);
    expect(findDuplicateKey(`{${keys.join(',')}}`)).toBeUndefined();
    expect(findDuplicateKey(`{${keys.join(',')},"k17":0}`)).toEqual({ key: 'k17', path: [] });
  });

  it('does not throw on text that is not JSON', () => {
    for (const text of ['', '{', '{"a', '"\\', '}}]]', '{"a":1,"\\u00zz":2}', '{"a\\', ',,,']) {
      expect(() => findDuplicateKey(text)).not.toThrow();
    }
  });
});

/** A JSON text of `document` with one more member `"key": extra` in the object at `target`. */
function withExtraMember(
  document: unknown,
  insertion: { target: JsonPathSegment[]; key: string; extra: unknown; position: number; escapeAll: boolean },
): string {
  const { target, key, extra, position, escapeAll } = insertion;
  const spelled = escapeAll
    ? `"${Array.from({ length: key.length }, (_, i) => `\\u${key.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')}"`
    : JSON.stringify(key);
  const write = (value: unknown, at: JsonPathSegment[]): string => {
    if (value === null || typeof value !== 'object') return JSON.stringify(value);
    if (Array.isArray(value)) return `[${value.map((item, index) => write(item, [...at, index])).join(',')}]`;
    const members = Object.entries(value).map(
      ([name, item]) => `${JSON.stringify(name)}:${write(item, [...at, name])}`,
    );
    if (JSON.stringify(at) === JSON.stringify(target)) {
      members.splice(position % (members.length + 1), 0, `${spelled}:${JSON.stringify(extra)}`);
    }
    return `{${members.join(',')}}`;
  };
  return write(document, []);
}

/** The path and keys of every object in `value` that has at least one key. */
function objectsWithKeys(
  value: unknown,
  at: JsonPathSegment[] = [],
): Array<{ path: JsonPathSegment[]; keys: string[] }> {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((item, index) => objectsWithKeys(item, [...at, index]));
  const keys = Object.keys(value);
  const inner = Object.entries(value).flatMap(([name, item]) => objectsWithKeys(item, [...at, name]));
  return keys.length > 0 ? [{ path: at, keys }, ...inner] : inner;
}

/** A JSON value with a non-empty object grafted somewhere into it (or being it). */
const documents = fc
  .tuple(
    fc.jsonValue({ maxDepth: 4 }),
    fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1 }),
    fc.nat(),
  )
  .map(([outer, object, at]) => {
    if (outer === null || typeof outer !== 'object') return object;
    const slots = Array.isArray(outer) ? outer.length : Object.keys(outer).length;
    if (slots === 0) return object;
    if (Array.isArray(outer)) return outer.map((item, index) => (index === at % slots ? object : item));
    const name = Object.keys(outer)[at % slots]!;
    return { ...outer, [name]: object };
  });

describe('findDuplicateKey, property-based', () => {
  it('reports a key repeated (with any value, spelled plainly or escaped) anywhere in any JSON value', () => {
    fc.assert(
      fc.property(
        documents.chain((document) =>
          fc.record({
            document: fc.constant(document),
            object: fc.constantFrom(...objectsWithKeys(document)),
            pick: fc.nat(),
            extra: fc.jsonValue({ maxDepth: 2 }),
            position: fc.nat(),
            escapeAll: fc.boolean(),
          }),
        ),
        ({ document, object, pick, extra, position, escapeAll }) => {
          const key = object.keys[pick % object.keys.length]!;
          const json = withExtraMember(document, { target: object.path, key, extra, position, escapeAll });
          expect(() => JSON.parse(json)).not.toThrow();
          expect(findDuplicateKey(json)).toEqual({ key, path: object.path });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reports nothing in JSON.stringify of any value, compact or indented', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2, '\t'), (value, indent) => {
        expect(findDuplicateKey(JSON.stringify(value, null, indent))).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});

describe('the message of a duplicate key', () => {
  it('names the key and the object, as the 400s write paths', () => {
    expect(describeDuplicateKey({ key: 'email', path: ['data', 'customer'] })).toBe(
      'duplicate key "email" at data.customer; each key may appear once per object',
    );
    expect(describeDuplicateKey({ key: 'id', path: [] })).toBe(
      'duplicate key "id" at (body); each key may appear once per object',
    );
  });

  it.each([
    [['data', 'items', 1], 'data.items.1'],
    [['smtp-id', '$ref', '_x'], 'smtp-id.$ref._x'],
    [['a.b', 'c'], '"a.b".c'],
    [['0', 0], '"0".0'],
    [['', 'with space', 'кириллица', 'שלום', 'quote"'], '""."with space"."кириллица"."שלום"."quote\\""'],
  ])('writes %j as %s (a key that could be misread is quoted)', (path, written) => {
    expect(formatJsonPath(path)).toBe(written);
  });

  it('cuts a long key and a deep path instead of echoing them whole', () => {
    const long = 'k'.repeat(5000);
    const message = describeDuplicateKey({ key: long, path: [long, ...Array.from({ length: 10_000 }, () => 0)] });
    expect(message.length).toBeLessThan(400);
    expect(message).toContain(
      `duplicate key "${'k'.repeat(100)}…" (5000 characters) at "${'k'.repeat(100)}…".0.0.0.0.0.0.0.….0.0.0.0.0.0.0.0;`,
    );
  });
});
