import { Campaign } from '../../domain/campaign';

/** A three-step consumer campaign like the shipped one, with its templates replaced by cart-reminder. */
export function consumerCampaign(overrides: Record<string, unknown> = {}): Campaign {
  return Campaign.parse({
    id: 'consumer',
    version: 3,
    name: 'Consumers',
    priority: 100,
    trigger: 'cart.abandoned',
    audience: 'everyone',
    quietHours: 'none',
    steps: [
      { id: 'reminder', delay: '1h', template: 'cart-reminder' },
      {
        id: 'incentive',
        delay: '23h',
        template: 'cart-reminder',
        incentive: { type: 'percent', value: 10, validFor: '3d' },
      },
      { id: 'last-chance', delay: '48h', template: 'cart-reminder' },
    ],
    ...overrides,
  });
}

/** A B2B campaign: the manager is told at abandonment, then a reminder 2 h later. */
export function b2bCampaign(overrides: Record<string, unknown> = {}): Campaign {
  return Campaign.parse({
    id: 'b2b',
    version: 1,
    name: 'B2B',
    priority: 10,
    trigger: 'cart.abandoned',
    audience: { b2b: true },
    steps: [
      {
        id: 'alert-manager',
        delay: '0s',
        kind: 'notify_manager',
        manager: { email: true, webhookUrl: 'https://crm.example.com/hook' },
        template: 'b2b-manager-alert',
      },
      { id: 'reminder', delay: '2h', template: 'b2b-cart-reminder' },
    ],
    ...overrides,
  });
}

/** A three-email welcome series, like the shipped one, with cart-reminder standing in for its templates. */
export function welcomeCampaign(overrides: Record<string, unknown> = {}): Campaign {
  return Campaign.parse({
    id: 'welcome',
    version: 1,
    name: 'Welcome',
    priority: 100,
    trigger: 'customer.created',
    audience: 'everyone',
    steps: [
      { id: 'welcome', delay: '0m', template: 'cart-reminder' },
      { id: 'getting-started', delay: '2d', template: 'cart-reminder' },
      { id: 'first-order', delay: '3d', template: 'cart-reminder' },
    ],
    ...overrides,
  });
}

/** The consumer chain with delays of seconds and no caps in the way, for real-time end-to-end tests. */
export function fastConsumerCampaign(templates: { incentive: string; lastChance: string }): Campaign {
  return consumerCampaign({
    frequency: { minGap: '1s', maxPer7Days: 10, maxDeferral: '1h' },
    steps: [
      { id: 'reminder', delay: '1s', template: 'cart-reminder' },
      {
        id: 'incentive',
        delay: '2s',
        template: templates.incentive,
        incentive: { type: 'percent', value: 10, validFor: '3d' },
      },
      { id: 'last-chance', delay: '2s', template: templates.lastChance },
    ],
  });
}
