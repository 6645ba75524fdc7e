/**
 * Which of a template's subject lines (A/B variants) one send gets. The same send key always gets
 * the same line, so a retried send keeps its subject; over many keys the lines are used evenly.
 */
export function pickVariant({ key, count }: { key: string; count: number }): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`no variants to pick from (count ${count})`);
  return hashKey(key) % count;
}

/**
 * FNV-1a over the UTF-16 code units, then murmur3's finaliser: FNV alone leaves the low bits
 * correlated with the last characters, and send keys differ mostly in their last characters.
 */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
