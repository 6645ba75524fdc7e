import { describe, expect, it } from 'vitest';
import { mayReceiveMarketing, purchaseHistoryMatters } from '../../domain/consent';

describe('consent policy', () => {
  it('opt_in: only explicit consent counts, a past purchase does not', () => {
    expect(mayReceiveMarketing({ policy: 'opt_in', explicitConsent: true, boughtBefore: false })).toBe(true);
    expect(mayReceiveMarketing({ policy: 'opt_in', explicitConsent: false, boughtBefore: true })).toBe(false);
    expect(mayReceiveMarketing({ policy: 'opt_in', explicitConsent: false, boughtBefore: false })).toBe(false);
  });

  it('existing_customers: explicit consent or an earlier purchase (soft opt-in)', () => {
    const policy = 'existing_customers';
    expect(mayReceiveMarketing({ policy, explicitConsent: true, boughtBefore: false })).toBe(true);
    expect(mayReceiveMarketing({ policy, explicitConsent: false, boughtBefore: true })).toBe(true);
    expect(mayReceiveMarketing({ policy, explicitConsent: false, boughtBefore: false })).toBe(false);
  });

  it('the purchase history is looked up only when it can change the answer', () => {
    expect(purchaseHistoryMatters({ policy: 'existing_customers', explicitConsent: false })).toBe(true);
    expect(purchaseHistoryMatters({ policy: 'existing_customers', explicitConsent: true })).toBe(false);
    expect(purchaseHistoryMatters({ policy: 'opt_in', explicitConsent: false })).toBe(false);
  });
});
