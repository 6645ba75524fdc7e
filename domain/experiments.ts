import type { Campaign, CampaignStep, StepVariant } from './campaign';
import { hashKey } from './subject-variant';

/**
 * Experiment assignment: which arm a customer is in. A pure, stable hash of (experiment, customer),
 * so the arm is the same across activity retries, worker restarts, continue-as-new and the
 * customer's later chains; and the arms of different experiments are independent of each other.
 * Workflows use it (a variant's delay), so it imports nothing with side effects.
 */

/** Whom an assignment is about: the customer's address, lower-cased (never stored or logged). */
export function customerKeyOf(cart: { customer: { email: string } }): string {
  return cart.customer.email.toLowerCase();
}

/** A number in [0, 1), uniform over customers, independent per experiment. */
export function experimentBucket({ experiment, customerKey }: { experiment: string; customerKey: string }): number {
  return hashKey(`${experiment}\u0000${customerKey}`) / 2 ** 32;
}

export type HoldoutArm = 'holdout' | 'treated';

/** The campaign's holdout arm for this customer, or null when the campaign has no holdout. */
export function holdoutArmOf(campaign: Pick<Campaign, 'id' | 'experiment'>, customerKey: string): HoldoutArm | null {
  const share = campaign.experiment.holdout / 100;
  if (share <= 0) return null;
  return experimentBucket({ experiment: `${campaign.id}/holdout`, customerKey }) < share ? 'holdout' : 'treated';
}

/** Picks among weighted arms by a bucket in [0, 1). */
export function pickWeighted<T extends { weight: number }>(arms: readonly T[], bucket: number): T {
  const total = arms.reduce((sum, arm) => sum + arm.weight, 0);
  let threshold = bucket * total;
  for (const arm of arms) {
    threshold -= arm.weight;
    if (threshold < 0) return arm;
  }
  return arms[arms.length - 1] as T; // bucket * total rounding up to total
}

/** The step's variant for this customer, when the step is an experiment. */
export function stepVariantOf(
  campaign: Pick<Campaign, 'id'>,
  step: Pick<CampaignStep, 'id' | 'variants'>,
  customerKey: string,
): StepVariant | undefined {
  if (!step.variants || step.variants.length === 0) return undefined;
  return pickWeighted(step.variants, experimentBucket({ experiment: `${campaign.id}/${step.id}`, customerKey }));
}

export interface EffectiveStep {
  step: CampaignStep;
  /** The variant id, when the step is an experiment. */
  variant?: string;
  /** The subject line (0-based) the variant fixes, if it does. */
  subjectVariant?: number;
}

/** The step as this customer gets it: the step as written with its variant's changes applied. */
export function effectiveStep(
  campaign: Pick<Campaign, 'id' | 'steps'>,
  stepIndex: number,
  customerKey: string,
): EffectiveStep {
  const step = campaign.steps[stepIndex];
  if (!step) throw new RangeError(`campaign ${campaign.id} has no step ${stepIndex}`);
  const variant = stepVariantOf(campaign, step, customerKey);
  // Only email steps have variants (the campaign schema refuses them elsewhere).
  if (!variant || step.kind !== 'email') return { step };
  const { incentive, ...rest } = step;
  const changed: CampaignStep = {
    ...rest,
    template: variant.template ?? step.template,
    delay: variant.delay ?? step.delay,
    ...(variant.incentive === null ? {} : { incentive: variant.incentive ?? incentive }),
  };
  return {
    step: changed,
    variant: variant.id,
    ...(variant.subjectLine === undefined ? {} : { subjectVariant: variant.subjectLine - 1 }),
  };
}

/**
 * The key that picks a step's subject line (when its variant does not fix one): the same for the
 * customer every time, so a subject-line test assigns people, not sends.
 */
export function subjectKeyOf({
  campaignId,
  stepId,
  customerKey,
}: {
  campaignId: string;
  stepId: string;
  customerKey: string;
}) {
  return `${campaignId}/${stepId}/subject\u0000${customerKey}`;
}

/** How long before step `stepIndex` this customer waits (the step's, or its variant's delay). */
export function stepDelay(campaign: Pick<Campaign, 'id' | 'steps'>, stepIndex: number, customerKey: string): number {
  return effectiveStep(campaign, stepIndex, customerKey).step.delay;
}

/** Every step variant of this customer, by step id: recorded on the chain at entry. */
export function variantsOf(campaign: Pick<Campaign, 'id' | 'steps'>, customerKey: string): Record<string, string> {
  const assigned: Record<string, string> = {};
  for (const step of campaign.steps) {
    const variant = stepVariantOf(campaign, step, customerKey);
    if (variant) assigned[step.id] = variant.id;
  }
  return assigned;
}

/**
 * How long after entry an order still counts as the chain's conversion: the steps still ahead
 * (entry is when the first step is due) plus the attribution window.
 */
export function conversionWindowMs(
  campaign: Pick<Campaign, 'id' | 'steps' | 'attributionWindow'>,
  customerKey: string,
): number {
  let total = campaign.attributionWindow;
  for (let index = 1; index < campaign.steps.length; index++) total += stepDelay(campaign, index, customerKey);
  return total;
}
