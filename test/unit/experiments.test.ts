import { describe, expect, it } from 'vitest';
import { Campaign } from '../../domain/campaign';
import {
  conversionWindowMs,
  effectiveStep,
  experimentBucket,
  holdoutArmOf,
  stepDelay,
  stepVariantOf,
  variantsOf,
} from '../../domain/experiments';
import { fromMinorUnits, toMinorUnits } from '../../domain/money';

const HOUR = 3_600_000;
const file = {
  id: 'b2c-cart',
  version: 4,
  name: 'Cart',
  priority: 1,
  trigger: 'cart.abandoned',
  audience: 'everyone',
  experiment: { holdout: 10, metric: 'revenue' },
  attributionWindow: '5d',
  steps: [
    { id: 'reminder', delay: '1h', template: 'cart-reminder' },
    {
      id: 'incentive',
      delay: '23h',
      template: 'cart-incentive',
      incentive: { type: 'percent', value: 10, validFor: '3d' },
      variants: [
        { id: 'ten-percent' },
        { id: 'free-shipping', weight: 3, incentive: { type: 'free_shipping', validFor: '3d' }, subjectLine: 2 },
        { id: 'no-code-later', weight: 1, incentive: null, delay: '47h', template: 'cart-last-chance' },
      ],
    },
    { id: 'last-chance', delay: '48h', template: 'cart-last-chance' },
  ],
};
const campaign = Campaign.parse(file);
const customers = Array.from({ length: 20_000 }, (_, index) => `customer-${index}@example.com`);

describe('experiment assignment', () => {
  it('is a pure function of experiment and customer: the same every time', () => {
    for (const customer of customers.slice(0, 200)) {
      expect(holdoutArmOf(campaign, customer)).toBe(holdoutArmOf(structuredClone(campaign), customer));
      expect(variantsOf(campaign, customer)).toEqual(variantsOf(campaign, customer));
    }
  });

  it('splits customers by the planned weights (holdout 10 %; variants 1 : 3 : 1)', () => {
    const holdout = customers.filter((customer) => holdoutArmOf(campaign, customer) === 'holdout').length;
    expect(holdout / customers.length).toBeCloseTo(0.1, 1.5);
    const step = campaign.steps[1]!;
    const counts = new Map<string, number>();
    for (const customer of customers) {
      const id = stepVariantOf(campaign, step, customer)?.id ?? 'none';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect((counts.get('ten-percent') ?? 0) / customers.length).toBeCloseTo(0.2, 1.5);
    expect((counts.get('free-shipping') ?? 0) / customers.length).toBeCloseTo(0.6, 1.5);
    expect((counts.get('no-code-later') ?? 0) / customers.length).toBeCloseTo(0.2, 1.5);
  });

  it('keeps experiments independent: the holdout is not concentrated in any variant', () => {
    const inHoldout = customers.filter((customer) => holdoutArmOf(campaign, customer) === 'holdout');
    const freeShipping = inHoldout.filter((customer) => variantsOf(campaign, customer).incentive === 'free-shipping');
    expect(freeShipping.length / inHoldout.length).toBeCloseTo(0.6, 1);
  });

  it('gives buckets spread evenly over [0, 1)', () => {
    const buckets = customers.map((customerKey) => experimentBucket({ experiment: 'x', customerKey }));
    expect(Math.min(...buckets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...buckets)).toBeLessThan(1);
    const deciles = new Array(10).fill(0);
    for (const bucket of buckets) deciles[Math.floor(bucket * 10)] += 1;
    for (const count of deciles) expect(count / buckets.length).toBeCloseTo(0.1, 1.5);
  });

  it('has no holdout when the campaign has none', () => {
    expect(holdoutArmOf({ ...campaign, experiment: { ...campaign.experiment, holdout: 0 } }, customers[0]!)).toBeNull();
  });
});

describe('the step a customer gets', () => {
  const customerIn = (variant: string) =>
    customers.find((customer) => variantsOf(campaign, customer).incentive === variant) as string;

  it('applies the variant: incentive, subject line, template and delay', () => {
    const free = effectiveStep(campaign, 1, customerIn('free-shipping'));
    expect(free).toMatchObject({ variant: 'free-shipping', subjectVariant: 1 });
    expect(free.step.incentive).toEqual({ type: 'free_shipping', validFor: 3 * 24 * HOUR });
    const later = effectiveStep(campaign, 1, customerIn('no-code-later'));
    expect(later.step).toMatchObject({ template: 'cart-last-chance', delay: 47 * HOUR });
    expect(later.step.incentive).toBeUndefined();
    const control = effectiveStep(campaign, 1, customerIn('ten-percent'));
    expect(control.step).toMatchObject({ template: 'cart-incentive', delay: 23 * HOUR, incentive: { value: 10 } });
    expect(control.subjectVariant).toBeUndefined();
  });

  it('leaves steps without variants as written', () => {
    expect(effectiveStep(campaign, 0, customers[0]!)).toEqual({ step: campaign.steps[0] });
    expect(stepDelay(campaign, 2, customers[0]!)).toBe(48 * HOUR);
  });

  it('counts conversions over the steps still ahead plus the attribution window', () => {
    expect(conversionWindowMs(campaign, customerIn('ten-percent'))).toBe((23 + 48 + 5 * 24) * HOUR);
    expect(conversionWindowMs(campaign, customerIn('no-code-later'))).toBe((47 + 48 + 5 * 24) * HOUR);
  });
});

describe('campaign files with experiments', () => {
  const parse = (changes: Record<string, unknown>) => Campaign.safeParse({ ...file, ...changes });
  const problems = (changes: Record<string, unknown>) =>
    (parse(changes).error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);

  it('refuse a lone variant, duplicate variant ids and a holdout above 50 %', () => {
    const step = { id: 'incentive', delay: '1h', template: 'cart-incentive' };
    expect(problems({ steps: [{ ...step, variants: [{ id: 'a' }] }] })).toEqual([
      'steps.0.variants: an experiment needs at least two variants (the first is the control)',
    ]);
    expect(problems({ steps: [{ ...step, variants: [{ id: 'a' }, { id: 'a' }] }] })).toEqual([
      'steps.0.variants.1.id: duplicate variant id',
    ]);
    expect(problems({ experiment: { holdout: 60 } })).toEqual(['experiment.holdout: at most 50 (percent)']);
    expect(problems({ experiment: { metric: 'opens' } })).toEqual([
      'experiment.metric: must be orders, human_clicks or revenue',
    ]);
  });
});

describe('money in minor units', () => {
  it('converts decimal strings exactly, by the currency’s minor unit', () => {
    expect(toMinorUnits({ amount: '19.90', currency: 'EUR' })).toBe(1990);
    expect(toMinorUnits({ amount: '0.1', currency: 'USD' })).toBe(10);
    expect(toMinorUnits({ amount: '1500', currency: 'JPY' })).toBe(1500);
    expect(toMinorUnits({ amount: '1.2345', currency: 'KWD' })).toBe(1235);
    expect(toMinorUnits({ amount: '0.005', currency: 'EUR' })).toBe(1);
    expect(toMinorUnits({ amount: '999999999999.9999', currency: 'EUR' })).toBe(100000000000000);
  });

  it('formats minor units back', () => {
    expect(fromMinorUnits({ minor: 1990, currency: 'EUR' })).toBe('19.90');
    expect(fromMinorUnits({ minor: 5, currency: 'EUR' })).toBe('0.05');
    expect(fromMinorUnits({ minor: 1500, currency: 'JPY' })).toBe('1500');
    expect(fromMinorUnits({ minor: -1235, currency: 'KWD' })).toBe('-1.235');
  });
});
