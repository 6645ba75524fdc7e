import type { Cart } from './events';

/** True when `next` is at least as recent as `current`: out-of-order snapshots are dropped. */
export function isNewerSnapshot(current: Pick<Cart, 'updatedAt'> | undefined, next: Pick<Cart, 'updatedAt'>): boolean {
  if (current === undefined) return true;
  return Date.parse(next.updatedAt) >= Date.parse(current.updatedAt);
}
