import { describe, expect, it } from 'vitest';
import { campaignTemplateChecker } from '../../app/campaign-templates';
import { loadActiveCampaigns, loadCampaignDir, templatesDir } from '../../app/services';
import { CampaignFileError } from '../../campaigns/load';
import { loadConfig } from '../../config/env';
import { consumerCampaign } from '../helpers/campaigns';

const checkTemplates = campaignTemplateChecker(templatesDir);

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

  it('a step naming a missing template is a problem at its template field, listing the templates there are', async () => {
    const campaign = consumerCampaign({
      steps: [{ id: 'reminder', delay: '1h', template: 'cart-remindr' }],
    });
    const [problem, ...others] = await checkTemplates(campaign);
    expect(others).toEqual([]);
    expect(problem?.path).toEqual(['steps', 0, 'template']);
    expect(problem?.message).toMatch(/^no template "cart-remindr" in templates\/ \(templates: .*cart-reminder,/);
    expect(problem?.message).not.toMatch(/_partials/);
  });

  it("a variant naming a missing template is a problem at the variant's template; one inheriting its step's is not repeated", async () => {
    const campaign = consumerCampaign({
      steps: [
        {
          id: 'reminder',
          delay: '1h',
          template: 'cart-remindr',
          variants: [{ id: 'control' }, { id: 'plain', template: 'cart-plain' }],
        },
      ],
    });
    const problems = await checkTemplates(campaign);
    expect(problems.map((problem) => problem.path)).toEqual([
      ['steps', 0, 'template'],
      ['steps', 0, 'variants', 1, 'template'],
    ]);
    expect(problems[1]?.message).toMatch(/^no template "cart-plain"/);
  });

  it('a variant fixing a subject line its template does not have: a problem at its subjectLine for each language', async () => {
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
    expect(await checkTemplates(campaign)).toEqual([
      {
        path: ['steps', 0, 'variants', 2, 'subjectLine'],
        message: 'no line 3: templates/cart-reminder/subject.hbs has 2 lines',
      },
      {
        path: ['steps', 0, 'variants', 2, 'subjectLine'],
        message: 'no line 3: templates/cart-reminder/subject.ru.hbs has 2 lines',
      },
    ]);
  });

  it('a step sending an email about a code (cart-incentive) with no incentive in it or before it is a problem at its template', async () => {
    // What a marketer writes when copying the shipped chain and forgetting the incentive line.
    const campaign = consumerCampaign({
      steps: [
        { id: 'reminder', delay: '1h', template: 'cart-reminder' },
        { id: 'incentive', delay: '23h', template: 'cart-incentive' },
        { id: 'last-chance', delay: '48h', template: 'cart-last-chance' },
      ],
    });
    const problems = await checkTemplates(campaign);
    expect(problems.map((problem) => problem.path)).toEqual([
      ['steps', 1, 'template'],
      ['steps', 2, 'template'],
    ]);
    expect(problems[0]?.message).toMatch(
      /^template "cart-incentive" offers a discount code in its subject, but neither this step nor an earlier one has an incentive, .*add incentive: \{ type: percent, value: 10, validFor: 3d \}/,
    );
  });

  it('a code made by an earlier step, an arm without a code on purpose (incentive: null) and an optional code block are fine', async () => {
    const campaign = consumerCampaign({
      steps: [
        { id: 'reminder', delay: '1h', template: 'cart-reminder' },
        {
          id: 'incentive',
          delay: '23h',
          template: 'cart-incentive',
          variants: [
            { id: 'code', incentive: { type: 'percent', value: 10, validFor: '3d' } },
            { id: 'no-code', incentive: null },
          ],
        },
        { id: 'last-chance', delay: '48h', template: 'cart-last-chance' },
      ],
    });
    expect(await checkTemplates(campaign)).toEqual([]);
    const controlWithout = consumerCampaign({
      steps: [
        {
          id: 'incentive',
          delay: '1h',
          template: 'cart-incentive',
          variants: [{ id: 'control' }, { id: 'code', incentive: { type: 'free_shipping', validFor: '3d' } }],
        },
      ],
    });
    expect((await checkTemplates(controlWithout)).map((problem) => problem.path)).toEqual([
      ['steps', 0, 'variants', 0],
    ]);
  });

  it('at start, each template problem names the campaign file, its line and the field, as a schema problem does', async () => {
    const folder = 'test/fixtures/campaigns-bad/templates';
    const error = await loadCampaignDir(folder).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(CampaignFileError);
    const message = error instanceof Error ? error.message : '';
    expect(message).toContain(
      `${folder}/subject-test.v1.yaml:16: steps[0].variants[1].subjectLine: no line 3: templates/cart-reminder/subject.hbs has 2 lines`,
    );
    expect(message).toContain(`${folder}/subject-test.v1.yaml:19: steps[1].template: no template "cart-incentiv"`);
  });
});
