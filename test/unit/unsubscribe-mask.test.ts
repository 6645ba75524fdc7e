import { describe, expect, it } from 'vitest';
import { maskEmail } from '../../server/unsubscribe-page';

describe('maskEmail on the unsubscribe page', () => {
  it('masks the local part and shows the domain as the person knows it', () => {
    expect(maskEmail('ada@example.com')).toBe('a••@example.com');
    expect(maskEmail('покупатель@xn--80aairftm.xn--p1ai')).toBe('п••@магазин.рф');
    expect(maskEmail('x@xn--exmple-cua.org')).toBe('x••@exämple.org');
  });

  it('keeps a whole first character, never half of one', () => {
    expect(maskEmail('😀fan@example.com')).toBe('😀••@example.com');
  });

  it('shows nothing of what is not an address', () => {
    expect(maskEmail('erased')).toBe('•••');
  });
});
