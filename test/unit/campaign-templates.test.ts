import { describe, expect, it } from 'vitest';
import { assertCampaignTemplates } from '../../app/campaign-templates';
import { loadActiveCampaigns, templatesDir } from '../../app/services';
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
    await expect(assertCampaignTemplates([campaign], templatesDir)).rejects.toThrow(
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
    await expect(assertCampaignTemplates([campaign], templatesDir)).rejects.toThrow(
      /campaign consumer@3, step reminder, variant plain: no template "cart-plain"/,
    );
  });

  it('a variant fixing a subject line its template does not have stops the start, naming the file of each language', async () => {
    const campaign = consumerCampaign({
      steps: [
        {
          id: 'reminder',
          delay: '1h',
          template: 'cart-reminder',
          variants: [
            { id: 'first', subjectLine: 1 },
            { id: 'second', subjectLine: 2 },
            { id: 'third', subjectLine: 3 },
          ],
        },
      ],
    });
    const start = assertCampaignTemplates([campaign], templatesDir);
    await expect(start).rejects.toThrow(
      /campaign consumer@3, step reminder, variant third: subjectLine 3, but templates\/cart-reminder\/subject\.hbs has 2 lines/,
    );
    await expect(start).rejects.toThrow(
      /variant third: subjectLine 3, but templates\/cart-reminder\/subject\.ru\.hbs has 2 lines/,
    );
    await expect(start).rejects.not.toThrow(/variant (first|second)/);
  });
});
