import { describe, expect, it } from 'vitest';
import { isNewerSnapshot } from '../../domain/cart-state';
import { cartWorkflowId, sendKey } from '../../domain/ids';

describe('pure decisions', () => {
  it('derives one workflow id per shop cart and one send key per step', () => {
    expect(cartWorkflowId({ shopId: 'shop1', cartId: 'c9' })).toBe('cart:shop1:c9');
    expect(sendKey({ shopId: 'shop1', cartId: 'c9', step: 'reminder' })).toBe('cart:shop1:c9:reminder');
  });

  it('drops snapshots older than the one held', () => {
    const held = { updatedAt: '2026-11-23T10:00:00Z' };
    expect(isNewerSnapshot(held, { updatedAt: '2026-11-23T09:59:59Z' })).toBe(false);
    expect(isNewerSnapshot(held, { updatedAt: '2026-11-23T11:00:00+01:00' })).toBe(true); // same instant
    expect(isNewerSnapshot(undefined, held)).toBe(true);
  });
});
