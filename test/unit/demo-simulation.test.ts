import { describe, expect, it } from 'vitest';
import { loadCampaigns } from '../../campaigns/load';
import { newestVersions } from '../../domain/campaign';
import { MIN_HUMAN_DELAY_MS } from '../../tracking/machine';
import { DEFAULT_TIME_SCALE, demoCampaigns } from '../../demo/demo-campaigns';
import { emailFacts, mailboxKey } from '../../demo/email-facts';
import { cartTotal, simulatePopulation } from '../../demo/population';
import { seededRandom } from '../../demo/random';
import { USER_AGENTS, planReactions } from '../../demo/reactions';

const HOUR = 3_600_000;

describe('demo campaigns', async () => {
  const shipped = newestVersions(await loadCampaigns());
  const campaigns = demoCampaigns({ shipped, scale: DEFAULT_TIME_SCALE });
  const consumer = campaigns.find((campaign) => campaign.id === 'b2c-cart');

  it('keeps only cart campaigns, whose 72 hours play out in a minute', () => {
    expect(campaigns.map((campaign) => campaign.trigger)).toEqual(campaigns.map(() => 'cart.abandoned'));
    expect(campaigns.map((campaign) => campaign.id).sort()).toEqual(['b2b-cart', 'b2c-cart', 'b2c-high-value']);
    const chain = (consumer?.steps ?? []).reduce((sum, step) => sum + step.delay, 0);
    expect(chain).toBe(
      Math.round(HOUR / DEFAULT_TIME_SCALE) +
        Math.round((23 * HOUR) / DEFAULT_TIME_SCALE) +
        Math.round((48 * HOUR) / DEFAULT_TIME_SCALE),
    );
    expect(chain).toBeGreaterThan(55_000);
    expect(chain).toBeLessThan(65_000);
  });

  it('scales caps, cooldown, attribution and code lifetimes, and turns quiet hours off', () => {
    for (const campaign of campaigns) {
      expect(campaign.quietHours).toBeNull();
      expect(campaign.frequency.minGap).toBeLessThan(20_000);
      expect(campaign.attributionWindow).toBe(Math.round((5 * 24 * HOUR) / DEFAULT_TIME_SCALE));
    }
    // 16 h between emails still lets the consumer chain through: its steps are 23 h and 48 h apart.
    expect(consumer?.frequency.minGap).toBeLessThan(consumer?.steps[1]?.delay ?? 0);
    expect(consumer?.steps[1]?.incentive?.validFor).toBe(Math.round((3 * 24 * HOUR) / DEFAULT_TIME_SCALE));
  });

  it('gives the consumer campaign a holdout and a 10 % vs 15 % test of its discount', () => {
    expect(consumer?.experiment).toMatchObject({ holdout: 10, metric: 'orders' });
    const variants = consumer?.steps.find((step) => step.id === 'incentive')?.variants;
    expect(variants?.map((variant) => variant.id)).toEqual(['percent-10', 'percent-15']);
    expect(variants?.[1]?.incentive).toMatchObject({ type: 'percent', value: 15 });
  });

  it('never changes the campaigns it was given', () => {
    const before = JSON.stringify(shipped);
    demoCampaigns({ shipped, scale: 100 });
    expect(JSON.stringify(shipped)).toBe(before);
  });

  it('refuses a scale below 1', () => {
    expect(() => demoCampaigns({ shipped, scale: 0 })).toThrow(/at least 1/);
  });
});

describe('simulated population', () => {
  const plans = simulatePopulation({ customers: 400, runTag: 't', random: seededRandom(7) });

  it('is the same for the same seed', () => {
    const again = simulatePopulation({ customers: 400, runTag: 't', random: seededRandom(7) });
    expect(again).toEqual(plans);
  });

  it('mixes segments, languages, time zones and fates', () => {
    const share = (test: (plan: (typeof plans)[number]) => boolean) => plans.filter(test).length / plans.length;
    expect(share((plan) => plan.customer.b2b)).toBeGreaterThan(0.1);
    expect(share((plan) => plan.customer.locale === 'ru')).toBeGreaterThan(0.2);
    expect(share((plan) => plan.customer.orderCount === 0)).toBeGreaterThan(0.3);
    expect(share((plan) => plan.fate === 'abandoned')).toBeGreaterThan(0.7);
    expect(share((plan) => plan.fate === 'bought_at_once')).toBeGreaterThan(0.05);
    expect(new Set(plans.map((plan) => plan.customer.timeZone)).size).toBeGreaterThanOrEqual(6);
    expect(plans.some((plan) => plan.customer.name.includes("'"))).toBe(true);
    expect(plans.some((plan) => plan.customer.name.includes('&'))).toBe(true);
    expect(plans.some((plan) => /[а-яё]/i.test(plan.customer.name))).toBe(true);
    expect(plans.some((plan) => plan.customer.email.endsWith('@пример.рф'))).toBe(true);
  });

  it('gives every customer their own address and every cart its own id', () => {
    expect(new Set(plans.map((plan) => mailboxKey(plan.customer.email))).size).toBe(plans.length);
    expect(new Set(plans.map((plan) => plan.cartId)).size).toBe(plans.length);
  });

  it('states totals to the cent', () => {
    expect(cartTotal([{ sku: 'a', name: 'a', quantity: 3, unitPrice: '0.10', categories: [] }])).toBe('0.30');
  });
});

describe('reactions to an email', () => {
  const email = { step: 'reminder', percentOff: undefined, linkCount: 4 };
  const many = (mailClient: 'apple_mail' | 'gmail' | 'scanned') =>
    Array.from({ length: 200 }, (_, seed) =>
      planReactions({ persona: { openRate: 0.5, clickRate: 0.5, mailClient }, email, random: seededRandom(seed) }),
    ).flat();

  it("has Apple's proxy open every email at once, as the classifier expects", () => {
    const opens = many('apple_mail').filter((action) => action.type === 'open');
    expect(opens).toHaveLength(200);
    expect(opens.every((open) => open.by === 'machine' && open.userAgent === USER_AGENTS.appleProxy)).toBe(true);
  });

  it('has people act no sooner than a person can', () => {
    const human = many('gmail').filter((action) => 'by' in action && action.by === 'person');
    expect(human.length).toBeGreaterThan(50);
    expect(Math.min(...human.map((action) => action.atMs))).toBeGreaterThanOrEqual(MIN_HUMAN_DELAY_MS);
  });

  it('has scanners follow links whether or not anyone reads', () => {
    const scans = many('scanned').filter((action) => action.type === 'click' && action.by === 'machine');
    expect(scans.length).toBeGreaterThan(200);
  });
});

describe('what the recipient reads from an email', () => {
  it('finds the step, discount, tracked links, pixel and one-click URL', () => {
    const raw = [
      'Feedback-ID: incentive:b2c-cart:demo:cartflow',
      'List-Unsubscribe: <http://127.0.0.1:1/u/abc.def>,',
      ' <mailto:unsubscribe@localhost?subject=x>',
      '',
      'body',
    ].join('\r\n');
    const html =
      '<a href="http://127.0.0.1:1/t/c/eyJh.sig_-">a</a><a href="http://127.0.0.1:1/t/c/two.sig">b</a>' +
      '<a href="http://127.0.0.1:1/t/c/eyJh.sig_-">again</a><img src="http://127.0.0.1:1/t/o/px.sig.gif">';
    expect(emailFacts({ raw, html, text: 'Your code for 15 % off' })).toEqual({
      step: 'incentive',
      percentOff: 15,
      links: ['http://127.0.0.1:1/t/c/eyJh.sig_-', 'http://127.0.0.1:1/t/c/two.sig'],
      pixel: 'http://127.0.0.1:1/t/o/px.sig.gif',
      unsubscribe: 'http://127.0.0.1:1/u/abc.def',
    });
  });

  it('matches an IDN address in either form', () => {
    expect(mailboxKey('Olga@Пример.РФ')).toBe(mailboxKey('olga@xn--e1afmkfd.xn--p1ai'));
  });
});
