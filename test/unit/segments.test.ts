import { describe, expect, it } from 'vitest';
import { Campaign, type SegmentRule } from '../../domain/campaign';
import { Customer } from '../../domain/events';
import { campaignsFor, matchesAudience, selectCampaign, type SegmentContext } from '../../domain/segments';

const consumer: SegmentContext['customer'] = { b2b: false, locale: 'de-AT', country: 'AT', orderCount: 0 };
const cartOf = (total: string, currency = 'EUR', categories: string[][] = [['shirts']]) => ({
  currency,
  total,
  items: categories.map((list) => ({ categories: list })),
});
const matches = (rule: SegmentRule, context: Partial<SegmentContext> = {}) =>
  matchesAudience(rule, { customer: consumer, cart: cartOf('52.30'), ...context });

describe('audience rules', () => {
  it('tells business from consumer customers', () => {
    expect(matches({ b2b: false })).toBe(true);
    expect(matches({ b2b: true })).toBe(false);
    expect(matches({ b2b: true }, { customer: { ...consumer, b2b: true } })).toBe(true);
  });

  it("compares the cart value in the cart's own currency, bounds inclusive below and exclusive above", () => {
    const large = { cartValue: { gte: 300, currency: 'EUR' } };
    expect(matches(large, { cart: cartOf('300.00') })).toBe(true);
    expect(matches(large, { cart: cartOf('299.99') })).toBe(false);
    expect(matches({ cartValue: { lt: 300, currency: 'EUR' } }, { cart: cartOf('299.99') })).toBe(true);
    expect(matches({ cartValue: { lt: 300, currency: 'EUR' } }, { cart: cartOf('300') })).toBe(false);
    expect(matches({ cartValue: { gte: 50, lt: 100, currency: 'EUR' } }, { cart: cartOf('75') })).toBe(true);
  });

  it('never matches a cart value rule written for another currency, nor a context without a cart', () => {
    expect(matches({ cartValue: { gte: 300, currency: 'EUR' } }, { cart: cartOf('90000', 'JPY') })).toBe(false);
    expect(matches({ cartValue: { lt: 300, currency: 'EUR' } }, { cart: cartOf('5', 'USD') })).toBe(false);
    expect(matches({ cartValue: { gte: 0, currency: 'EUR' } }, { cart: undefined })).toBe(false);
  });

  it('tells new from returning customers by order count, and matches neither when the count is unknown', () => {
    expect(matches({ customer: 'new' })).toBe(true);
    expect(matches({ customer: 'returning' })).toBe(false);
    const returning = { customer: { ...consumer, orderCount: 3 } };
    expect(matches({ customer: 'returning' }, returning)).toBe(true);
    const unknown = { customer: { ...consumer, orderCount: undefined } };
    expect(matches({ customer: 'new' }, unknown)).toBe(false);
    expect(matches({ customer: 'returning' }, unknown)).toBe(false);
  });

  it('matches a language tag and its regional variants, and countries by code', () => {
    expect(matches({ locale: ['de'] })).toBe(true); // de-AT
    expect(matches({ locale: ['de-AT'] })).toBe(true);
    expect(matches({ locale: ['de-DE', 'fr'] })).toBe(false);
    expect(matches({ locale: ['d'] })).toBe(false); // a prefix of the language is not the language
    expect(matches({ country: ['DE', 'AT'] })).toBe(true);
    expect(matches({ country: ['DE'] })).toBe(false);
    expect(matches({ country: ['DE'] }, { customer: { ...consumer, country: undefined } })).toBe(false);
  });

  it('matches item categories when any item is in any listed category', () => {
    const cart = cartOf('10', 'EUR', [['shirts'], ['coffee', 'consumables']]);
    expect(matches({ itemCategory: ['consumables'] }, { cart })).toBe(true);
    expect(matches({ itemCategory: ['shoes', 'hats'] }, { cart })).toBe(false);
    expect(matches({ itemCategory: ['consumables'] }, { cart: { ...cart, items: [{}] } })).toBe(false);
  });

  it('combines rules with all, any and not', () => {
    const largeConsumerCart: SegmentRule = {
      all: [{ b2b: false }, { any: [{ cartValue: { gte: 300, currency: 'EUR' } }, { country: ['CH'] }] }],
    };
    expect(matches(largeConsumerCart, { cart: cartOf('450') })).toBe(true);
    expect(matches(largeConsumerCart, { cart: cartOf('45') })).toBe(false);
    expect(matches(largeConsumerCart, { customer: { ...consumer, country: 'CH' } })).toBe(true);
    expect(matches({ not: largeConsumerCart }, { cart: cartOf('45') })).toBe(true);
    expect(matchesAudience('everyone', { customer: consumer })).toBe(true);
  });

  it('reads the optional segment fields from the webhook customer', () => {
    const customer = Customer.parse({ email: 'a@example.com', b2b: true, country: 'DE', orderCount: 2 });
    expect(matchesAudience({ all: [{ country: ['DE'] }, { customer: 'returning' }] }, { customer })).toBe(true);
    expect(Customer.safeParse({ email: 'a@example.com', country: 'Germany' }).success).toBe(false);
  });
});

const campaign = (fields: { id: string; version?: number; priority: number; audience: unknown; trigger?: string }) =>
  Campaign.parse({
    name: fields.id,
    trigger: 'cart.abandoned',
    version: 1,
    steps: [{ id: 'reminder', delay: '1h', template: 'cart-reminder' }],
    ...fields,
  });

describe('selectCampaign', () => {
  const b2b = campaign({ id: 'b2b', priority: 10, audience: { b2b: true } });
  const large = campaign({ id: 'large', priority: 20, audience: { cartValue: { gte: 300, currency: 'EUR' } } });
  const fallback = campaign({ id: 'all-carts', priority: 100, audience: 'everyone' });
  const welcome = campaign({ id: 'welcome', priority: 1, audience: 'everyone', trigger: 'customer.created' });
  const campaigns = [fallback, welcome, large, b2b];
  const select = (context: Partial<SegmentContext>) =>
    selectCampaign(campaigns, { trigger: 'cart.abandoned', context: { customer: consumer, ...context } });

  it('enters the first campaign by priority whose audience matches, and records its segment', () => {
    expect(select({ cart: cartOf('450') })).toMatchObject({ campaign: { id: 'large' }, segment: 'large' });
    expect(select({ cart: cartOf('45') })?.campaign.id).toBe('all-carts');
    const business = select({ customer: { ...consumer, b2b: true }, cart: cartOf('450') });
    expect(business?.campaign.id).toBe('b2b');
  });

  it('only considers campaigns of the trigger, and returns nothing when no audience matches', () => {
    expect(selectCampaign(campaigns, { trigger: 'customer.created', context: { customer: consumer } })).toMatchObject({
      campaign: { id: 'welcome' },
    });
    expect(selectCampaign([b2b], { trigger: 'cart.abandoned', context: { customer: consumer } })).toBeUndefined();
    expect(selectCampaign(campaigns, { trigger: 'order.placed', context: { customer: consumer } })).toBeUndefined();
  });

  it('uses the newest version of a campaign, with that version’s audience and priority', () => {
    const largeV2 = campaign({ id: 'large', version: 2, priority: 5, audience: { locale: ['fr'] } });
    const context = { customer: consumer, cart: cartOf('450') };
    const chosen = selectCampaign([largeV2, ...campaigns], { trigger: 'cart.abandoned', context });
    expect(chosen?.campaign.id).toBe('all-carts'); // v2 no longer matches this German cart; v1 is retired
    const french = { customer: { ...consumer, locale: 'fr' }, cart: cartOf('10') };
    const chosenFr = selectCampaign([...campaigns, largeV2], { trigger: 'cart.abandoned', context: french });
    expect(chosenFr?.campaign).toMatchObject({ id: 'large', version: 2 });
  });
});

describe('campaignsFor (what a workflow pins in its input)', () => {
  const cart = campaign({ id: 'all-carts', priority: 100, audience: 'everyone' });
  const cartV2 = campaign({ id: 'all-carts', version: 2, priority: 100, audience: 'everyone' });
  const b2b = campaign({ id: 'b2b', priority: 10, audience: { b2b: true } });
  const welcome = campaign({ id: 'welcome', priority: 1, audience: 'everyone', trigger: 'customer.created' });
  const thanks = campaign({ id: 'thanks', priority: 1, audience: 'everyone', trigger: 'order.placed' });
  const all = [welcome, cart, thanks, b2b, cartV2];

  it('keeps only the newest version of each campaign of that trigger', () => {
    expect(campaignsFor(all, 'cart.abandoned').map((c) => `${c.id}@${c.version}`)).toEqual(['all-carts@2', 'b2b@1']);
    expect(campaignsFor(all, 'customer.created').map((c) => c.id)).toEqual(['welcome']);
    expect(campaignsFor(all, 'reorder.due')).toEqual([]);
  });

  it('selects the same campaign as the whole list would, for every trigger and customer', () => {
    const triggers = ['cart.abandoned', 'customer.created', 'order.placed', 'reorder.due'] as const;
    for (const trigger of triggers) {
      for (const customer of [consumer, { ...consumer, b2b: true }]) {
        const context = { customer, cart: cartOf('45') };
        expect(selectCampaign(campaignsFor(all, trigger), { trigger, context })).toEqual(
          selectCampaign(all, { trigger, context }),
        );
      }
    }
  });
});
