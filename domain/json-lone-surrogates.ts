import { type JsonPathSegment, formatJsonPath } from './json-duplicate-keys';

/**
 * JSON's grammar lets a string escape half of a UTF-16 surrogate pair (`"\ud800"`), but such a
 * string is not Unicode text: PostgreSQL refuses it in jsonb and text, so a body holding one could
 * never be stored and answered 500 ("retry later") for ever. Raw UTF-8 cannot carry one (the
 * strict decoder refuses it first): only a `\uD800`–`\uDFFF` escape can.
 */

/** Where a string or key with an unpaired surrogate is (one of them), or undefined when there is none. */
export function findLoneSurrogate({ text, value }: { text: string; value: unknown }): JsonPathSegment[] | undefined {
  // Almost every body has no surrogate escape at all: no walk.
  if (!/\\u[dD][89a-fA-F]/.test(text)) return undefined;
  // Iterative, each node linked to its parent (no path copies): a deeply nested body must neither
  // overflow the stack nor take quadratic time.
  const pending: Node[] = [{ value }];
  for (let node = pending.pop(); node; node = pending.pop()) {
    const current = node.value;
    if (typeof current === 'string') {
      if (LONE_SURROGATE.test(current)) return pathOf(node);
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => pending.push({ value: item, parent: node, segment: index }));
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, item] of Object.entries(current)) {
        // A key is named by the object holding it: the key itself cannot be printed.
        if (LONE_SURROGATE.test(key)) return pathOf(node);
        pending.push({ value: item, parent: node, segment: key });
      }
    }
  }
  return undefined;
}

interface Node {
  value: unknown;
  parent?: Node;
  segment?: JsonPathSegment;
}

function pathOf(node: Node): JsonPathSegment[] {
  const path: JsonPathSegment[] = [];
  for (let at: Node | undefined = node; at?.segment !== undefined; at = at.parent) path.push(at.segment);
  return path.reverse();
}

/** With the `u` flag, a surrogate that is half of a pair is part of one code point and does not match. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** `data.items.0.name holds an unpaired surrogate escape …` */
export function describeLoneSurrogate(path: readonly JsonPathSegment[]): string {
  return (
    `${formatJsonPath(path)} holds an unpaired UTF-16 surrogate escape (\\uD800 to \\uDFFF), which is not ` +
    'Unicode text and cannot be stored; send the character itself, or both halves of its surrogate pair'
  );
}
