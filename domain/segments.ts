import type { Campaign, CartValueRule, SegmentRule, Trigger } from './campaign';
import { newestVersions } from './campaign-versions';

/**
 * Audience evaluation and campaign selection: pure code without schemas, so workflows can bundle it.
 * The rule format itself (and its validation) is in campaign.ts.
 */

/** What a rule can look at. Unknown attributes (no country, no order count) match no rule about them. */
export interface SegmentContext {
  customer: { b2b: boolean; locale: string; country?: string | undefined; orderCount?: number | undefined };
  cart?: { currency: string; total: string; items: ReadonlyArray<{ categories?: string[] | undefined }> } | undefined;
}

export function matchesAudience(audience: 'everyone' | SegmentRule, context: SegmentContext): boolean {
  return audience === 'everyone' || matchesRule(audience, context);
}

function matchesRule(rule: SegmentRule, context: SegmentContext): boolean {
  const { customer, cart } = context;
  if ('all' in rule) return rule.all.every((inner) => matchesRule(inner, context));
  if ('any' in rule) return rule.any.some((inner) => matchesRule(inner, context));
  if ('not' in rule) return !matchesRule(rule.not, context);
  if ('b2b' in rule) return customer.b2b === rule.b2b;
  if ('cartValue' in rule) return cart !== undefined && matchesCartValue(rule.cartValue, cart);
  if ('customer' in rule) {
    if (customer.orderCount === undefined) return false;
    return rule.customer === 'new' ? customer.orderCount === 0 : customer.orderCount > 0;
  }
  if ('locale' in rule) return rule.locale.some((tag) => matchesLocale(tag, customer.locale));
  if ('country' in rule) return customer.country !== undefined && rule.country.includes(customer.country.toUpperCase());
  return (
    cart !== undefined &&
    cart.items.some((item) => item.categories?.some((category) => rule.itemCategory.includes(category)) ?? false)
  );
}

function matchesCartValue(rule: CartValueRule, cart: NonNullable<SegmentContext['cart']>): boolean {
  // Amounts are never converted: a EUR threshold says nothing about a USD cart.
  if (rule.currency !== cart.currency) return false;
  const total = Number(cart.total);
  return (rule.gte === undefined || total >= rule.gte) && (rule.lt === undefined || total < rule.lt);
}

function matchesLocale(ruleTag: string, locale: string): boolean {
  const want = ruleTag.toLowerCase();
  const have = locale.toLowerCase();
  return have === want || have.startsWith(`${want}-`);
}

export interface CampaignMatch {
  campaign: Campaign;
  /** The label recorded on every message of the chain. */
  segment: string;
}

export interface SelectCampaignInput {
  trigger: Trigger;
  context: SegmentContext;
}

/**
 * The campaign a customer enters: among the newest version of each campaign for this trigger,
 * the first by `priority` (lowest number first) whose audience matches.
 */
export function selectCampaign(
  campaigns: readonly Campaign[],
  { trigger, context }: SelectCampaignInput,
): CampaignMatch | undefined {
  const ordered = newestVersions(campaigns.filter((campaign) => campaign.trigger === trigger)).sort(
    (a, b) => a.priority - b.priority || a.id.localeCompare(b.id),
  );
  const campaign = ordered.find((candidate) => matchesAudience(candidate.audience, context));
  return campaign && { campaign, segment: campaign.segment };
}

/**
 * What a workflow started for `trigger` pins in its input: the newest version of each campaign it
 * could enter, and nothing else. Every campaign in the input is stored in the workflow's history
 * (and again at each continue-as-new), so a cart chain carrying the welcome series pays for it.
 * Selecting from this list gives the same campaign as selecting from the whole list.
 */
export function campaignsFor(campaigns: readonly Campaign[], trigger: Trigger): Campaign[] {
  return newestVersions(campaigns.filter((campaign) => campaign.trigger === trigger));
}
