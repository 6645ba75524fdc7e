import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CampaignFileError, loadCampaigns, parseCampaignFile } from '../../campaigns/load';
import { campaignJsonSchema } from '../../domain/campaign';
import { selectCampaign } from '../../domain/segments';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const bad = (name: string) => `test/fixtures/campaigns-bad/${name}`;

async function problemsOf(dir: string) {
  const error = await loadCampaigns(dir).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(CampaignFileError);
  return error as CampaignFileError;
}

describe('the shipped campaigns', () => {
  it('all load and validate, one chain per trigger and audience', async () => {
    const campaigns = await loadCampaigns();
    expect(campaigns.map((campaign) => `${campaign.trigger} ${campaign.id}`).sort()).toEqual([
      'cart.abandoned b2b-cart',
      'cart.abandoned b2c-cart',
      'cart.abandoned b2c-high-value',
      'customer.created welcome',
      'order.placed post-purchase',
      'reorder.due b2b-reorder',
    ]);
  });

  it('send consumers a reminder, a 3-day code a day later and a last chance before it expires', async () => {
    const b2c = (await loadCampaigns()).find((campaign) => campaign.id === 'b2c-cart');
    const sinceAbandonment = b2c?.steps.map((_, index) =>
      b2c.steps.slice(0, index + 1).reduce((t, s) => t + s.delay, 0),
    );
    expect(sinceAbandonment).toEqual([1 * HOUR, 24 * HOUR, 72 * HOUR]);
    expect(b2c?.steps[1]?.incentive).toEqual({ type: 'percent', value: 10, validFor: 3 * DAY });
    expect(b2c).toMatchObject({ reentryCooldown: 7 * DAY, attributionWindow: 5 * DAY });
  });

  it('route a large consumer cart, a business cart and a small cart to their own chains', async () => {
    const campaigns = await loadCampaigns();
    const customer = { b2b: false, locale: 'en' };
    const cart = (total: string, currency = 'EUR') => ({ currency, total, items: [] });
    const pick = (context: Parameters<typeof selectCampaign>[1]['context']) =>
      selectCampaign(campaigns, { trigger: 'cart.abandoned', context });
    expect(pick({ customer, cart: cart('900') })).toMatchObject({
      campaign: { id: 'b2c-high-value' },
      segment: 'high-value',
    });
    expect(pick({ customer, cart: cart('40') })?.campaign.id).toBe('b2c-cart');
    expect(pick({ customer, cart: cart('900', 'JPY') })?.campaign.id).toBe('b2c-cart');
    const b2b = pick({ customer: { ...customer, b2b: true }, cart: cart('900') })?.campaign;
    expect(b2b?.id).toBe('b2b-cart');
    expect(b2b?.steps[0]).toMatchObject({ kind: 'notify_manager', delay: 0, manager: { email: true } });
    expect(b2b?.steps.some((step) => step.incentive !== undefined)).toBe(false);
  });

  it('have an up-to-date JSON Schema for editors (run `npm run campaigns:schema` after a change)', async () => {
    const committed: unknown = JSON.parse(await readFile('campaigns/campaign.schema.json', 'utf8'));
    expect(committed).toEqual(campaignJsonSchema());
  });
});

describe('a bad campaign file', () => {
  it('folder that does not exist is named with the variable that points there, not as a bare ENOENT', async () => {
    for (const dir of [bad('no-such-folder'), 'package.json']) {
      const error = await problemsOf(dir);
      expect(error.problems).toEqual([
        { file: dir, path: '', message: 'no such folder; set CAMPAIGNS_DIR to the folder of the campaign files' },
      ]);
      expect(error.message).not.toMatch(/ENOENT|ENOTDIR|scandir/);
    }
  });

  it('names the file, the line, the path inside it and the problem', async () => {
    const error = await problemsOf(bad('bad-delay'));
    expect(error.problems).toEqual([
      {
        file: 'test/fixtures/campaigns-bad/bad-delay/b2c-cart.v1.yaml',
        line: 12,
        path: 'steps[1].delay',
        message: expect.stringMatching(/^must be a duration: .* such as 30m, 24h or 3d$/),
      },
    ]);
    expect(error.message).toContain(
      'test/fixtures/campaigns-bad/bad-delay/b2c-cart.v1.yaml:12: steps[1].delay: must be',
    );
  });

  it('reports every problem of a file, unknown fields by name', async () => {
    const { problems } = await problemsOf(bad('typo'));
    expect(problems.map(({ line, path, message }) => ({ line, path, message }))).toEqual([
      { line: 5, path: 'trigger', message: expect.stringContaining('must be one of: cart.abandoned,') },
      { line: 11, path: 'quiet_hours', message: 'unknown field (check the spelling)' },
    ]);
  });

  it('points into nested audience rules', async () => {
    const { problems } = await problemsOf(bad('bad-audience'));
    expect(problems.map(({ line, path, message }) => ({ line, path, message }))).toEqual([
      { line: 10, path: 'audience.all[1].any[0].cartValue.currency', message: 'required' },
      { line: 11, path: 'audience.all[1].any[1]', message: expect.stringContaining('a rule has exactly one of') },
    ]);
  });

  it('saved in Latin-1 instead of UTF-8 is refused with its line, not read as R\ufffdsum\ufffd', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cartflow-campaigns-'));
    try {
      const text = (await readFile('examples/campaigns/try-it.v1.yaml', 'utf8')).replace(/^name: .*$/m, 'name: Résumé');
      await writeFile(path.join(dir, 'try-it.v1.yaml'), Buffer.from(text, 'latin1'));
      const { problems } = await problemsOf(dir);
      const line = text.split('\n').findIndex((row) => row.startsWith('name:')) + 1;
      expect(problems).toEqual([
        {
          file: path.join(dir, 'try-it.v1.yaml'),
          line,
          path: '',
          message: 'not UTF-8 text (an editor saved it in another encoding): save the file as UTF-8',
        },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('that is not YAML is reported with its line', async () => {
    const { problems } = await problemsOf(bad('not-yaml'));
    expect(problems).toEqual([
      {
        file: 'test/fixtures/campaigns-bad/not-yaml/broken.v1.yaml',
        line: 7,
        path: '',
        message: expect.stringMatching(/^not valid YAML: /),
      },
    ]);
  });

  it('may not reuse the id and version of another file', async () => {
    const { problems } = await problemsOf(bad('duplicate-version'));
    expect(problems).toEqual([
      {
        file: 'test/fixtures/campaigns-bad/duplicate-version/b.yaml',
        line: 2,
        path: 'version',
        message: expect.stringContaining(
          'b2c-cart version 2 is also defined in test/fixtures/campaigns-bad/duplicate-version/a.yaml',
        ),
      },
    ]);
  });

  it('may not share a priority with another campaign of the same trigger', async () => {
    const { problems } = await problemsOf(bad('same-priority'));
    expect(problems).toEqual([
      expect.objectContaining({ line: 4, path: 'priority', message: expect.stringContaining('same priority 10') }),
    ]);
  });
});

const minimal = `id: c
version: 1
name: C
priority: 1
trigger: cart.abandoned
audience: everyone
`;
const problemsIn = (yaml: string) => {
  const result = parseCampaignFile({ file: 'c.yaml', text: minimal + yaml });
  return result.ok ? [] : result.problems.map(({ path, message }) => `${path}: ${message}`);
};

describe('a value of the wrong kind', () => {
  const steps = 'steps: [{ id: a, delay: 1h, template: t }]\n';
  const withAudience = (audience: string) => {
    const text = minimal.replace('audience: everyone\n', `audience:\n${audience}`) + steps;
    const result = parseCampaignFile({ file: 'c.yaml', text });
    return result.ok ? [] : result.problems.map(({ path, message }) => `${path}: ${message}`);
  };

  it("says what to write in words a marketer reads, not the parser's types", () => {
    expect(withAudience('  b2b: yes\n')).toEqual(['audience.b2b: must be true or false (got "yes")']);
    expect(withAudience('  locale: ru\n')).toEqual(['audience.locale: must be a list, such as [ru]']);
    expect(problemsIn(`${steps}experiment: { holdout: -5 }\n`)).toEqual(['experiment.holdout: must be at least 0']);
    expect(
      problemsIn('steps: [{ id: a, delay: 1h, template: t, variants: [{ id: x }, { id: y, subjectLine: 0 }] }]'),
    ).toEqual(['steps[0].variants[1].subjectLine: must be at least 1']);
  });

  it('a version that is not whole and an empty name say so', () => {
    const text = minimal.replace('version: 1\n', 'version: 1.5\n').replace('name: C\n', 'name: ""\n');
    const result = parseCampaignFile({ file: 'c.yaml', text: `${text}steps: [{ id: a, delay: 1h, template: t }]` });
    expect(result.ok ? [] : result.problems.map(({ path, message }) => `${path}: ${message}`)).toEqual([
      'version: must be a whole number (got 1.5)',
      'name: must not be empty',
    ]);
  });

  it('an empty file says so', () => {
    const result = parseCampaignFile({ file: 'c.yaml', text: '' });
    expect(result.ok ? [] : result.problems.map(({ message }) => message)).toEqual([
      'the file is empty: a campaign needs id, version, name, priority, trigger and steps',
    ]);
  });
});

describe('campaign rules beyond types', () => {
  it('accepts a minimal campaign and fills the documented defaults', () => {
    const result = parseCampaignFile({ file: 'c.yaml', text: `${minimal}steps: [{ id: a, delay: 30m, template: t }]` });
    expect(result.ok && result.campaign).toMatchObject({
      segment: 'c',
      steps: [{ id: 'a', delay: 30 * 60_000, kind: 'email', template: 't' }],
      exit: { purchased: true, cartEmptied: true, newerCart: true, unsubscribed: true },
      frequency: { minGap: 16 * HOUR, maxPer7Days: 3, maxDeferral: 24 * HOUR },
      quietHours: { start: '21:00', end: '08:00' },
      reentryCooldown: 7 * DAY,
      attributionWindow: 5 * DAY,
    });
  });

  it('checks what each kind of step needs', () => {
    expect(problemsIn('steps: [{ id: a, delay: 1h }]')).toEqual(['steps[0].template: an email step needs a template']);
    expect(problemsIn('steps: [{ id: a, delay: 1h, kind: notify_manager }]')).toEqual([
      'steps[0].manager: a notify_manager step needs manager: { email, webhookUrl }',
    ]);
    expect(problemsIn('steps: [{ id: a, delay: 1h, kind: notify_manager, manager: { email: false } }]')).toEqual([
      'steps[0].manager: set email: true, a webhookUrl, or both',
    ]);
    expect(problemsIn('steps: [{ id: a, delay: 1h, template: t }, { id: a, delay: 1h, template: t }]')).toEqual([
      'steps[1].id: duplicate step id',
    ]);
  });

  it('checks incentives, quiet hours and the reorder delay', () => {
    const step = (incentive: string) => `steps: [{ id: a, delay: 1h, template: t, incentive: ${incentive} }]`;
    expect(problemsIn(step('{ type: percentage, value: 10, validFor: 3d }'))).toEqual([
      'steps[0].incentive.type: must be one of: percent, fixed, free_shipping',
    ]);
    expect(problemsIn(step('{ type: percent, value: 150, validFor: 3d }'))).toEqual([
      'steps[0].incentive.value: must be at most 100',
    ]);
    expect(problemsIn(step('{ type: fixed, value: 5, validFor: 3d }'))).toEqual([
      'steps[0].incentive.currency: required',
    ]);
    const steps = 'steps: [{ id: a, delay: 1h, template: t }]\n';
    expect(problemsIn(`${steps}quietHours: { start: "21:00", end: "8 am" }`)).toEqual([
      'quietHours.end: must be a local time such as "21:00" (24-hour clock)',
    ]);
    expect(problemsIn(`${steps}quietHours: never`)).toEqual([
      'quietHours: must be none or a window such as { start: "21:00", end: "08:00" }',
    ]);
    expect(problemsIn(`${steps}reorderAfter: 30d`)).toEqual(['reorderAfter: only a reorder.due campaign has it']);
  });
});

describe('campaign versions', () => {
  it('loads every version, newest first, and new chains enter the newest', async () => {
    const campaigns = await loadCampaigns('test/fixtures/campaigns-versions');
    expect(campaigns.map(({ id, version }) => `${id}@${version}`)).toEqual(['b2b-cart@1', 'b2c-cart@2', 'b2c-cart@1']);
    const chosen = selectCampaign(campaigns, {
      trigger: 'cart.abandoned',
      context: { customer: { b2b: false, locale: 'en' } },
    });
    expect(chosen?.campaign).toMatchObject({ id: 'b2c-cart', version: 2, steps: [{ delay: 4 * HOUR }, {}] });
  });
});
