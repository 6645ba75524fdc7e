import { describe, expect, it } from 'vitest';
import { assertCampaignTemplates, loadActiveCampaigns } from '../../app/services';
import { loadConfig } from '../../config/env';
import { consumerCampaign } from '../helpers/campaigns';

describe('campaigns and their templates at start', () => {
  it('the shipped campaigns load and every template they name exists', async () => {
    const campaigns = await loadActiveCampaigns(loadConfig({}));
    expect(campaigns.map((campaign) => campaign.id).sort()).toEqual([
      'b2b-cart',
      'b2b-reorder',
      'b2c-cart',
      'b2c-high-value',
      'post-purchase',
      'welcome',
    ]);
  });

  it('a step naming a missing template stops the start, naming campaign and step', async () => {
    const campaign = consumerCampaign({
      steps: [{ id: 'reminder', delay: '1h', template: 'cart-remindr' }],
    });
    await expect(assertCampaignTemplates([campaign])).rejects.toThrow(
      /campaign consumer@3, step reminder: no template "cart-remindr"/,
    );
  });

  it('a variant naming a missing template stops the start too', async () => {
    const campaign = consumerCampaign({
      steps: [
        {
          id: 'reminder',
          delay: '1h',
          template: 'cart-reminder',
          variants: [{ id: 'control' }, { id: 'plain', template: 'cart-plain' }],
        },
      ],
    });
    await expect(assertCampaignTemplates([campaign])).rejects.toThrow(
      /campaign consumer@3, step reminder, variant plain: no template "cart-plain"/,
    );
  });
});
