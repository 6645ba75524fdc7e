import { describe, expect, it } from 'vitest';
import { Campaign } from '../../domain/campaign';
import { DEFAULT_FRESH_FOR_MS, isExpired } from '../../domain/freshness';
import { consumerCampaign } from '../helpers/campaigns';

const HOUR = 3_600_000;

describe('freshness window', () => {
  it('a step is expired only once an attempt comes more than the window after it fell due', () => {
    const dueAt = Date.UTC(2026, 0, 1, 9);
    expect(isExpired({ dueAt, attemptAt: dueAt, freshFor: 24 * HOUR })).toBe(false);
    expect(isExpired({ dueAt, attemptAt: dueAt + 24 * HOUR, freshFor: 24 * HOUR })).toBe(false);
    expect(isExpired({ dueAt, attemptAt: dueAt + 24 * HOUR + 1, freshFor: 24 * HOUR })).toBe(true);
  });

  it('campaigns default to 24 hours and take freshFor as a duration', () => {
    expect(consumerCampaign().freshFor).toBe(DEFAULT_FRESH_FOR_MS);
    expect(consumerCampaign({ freshFor: '6h' }).freshFor).toBe(6 * HOUR);
  });

  it('a freshFor that is not a duration is refused with the field named', () => {
    const result = Campaign.safeParse({ ...consumerCampaignInput(), freshFor: '1 day' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['freshFor'], message: expect.stringContaining('must be a duration') }),
    ]);
  });
});

function consumerCampaignInput() {
  return {
    id: 'consumer',
    version: 1,
    name: 'Consumers',
    priority: 100,
    trigger: 'cart.abandoned',
    audience: 'everyone',
    steps: [{ id: 'reminder', delay: '1h', template: 'cart-reminder' }],
  };
}
