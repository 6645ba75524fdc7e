import type { Campaign, CampaignStep, Incentive } from '../domain/campaign';

/**
 * The demo's campaigns: the shipped cart campaigns with every duration divided by a time scale,
 * so that a 72-hour chain plays out in about a minute. Pure: no I/O.
 *
 * Campaign files have no time-scale option (durations are whole seconds at the finest), so the
 * demo derives its campaigns in memory and hands them to the workflows, which carry them in their
 * input like any other campaign version. The files on disk are never changed.
 */

/** 72 hours in 60 seconds. */
export const DEFAULT_TIME_SCALE = 4_320;

/** The shipped consumer campaign gets an experiment so the report has a verdict to show. */
const EXPERIMENT_CAMPAIGN = 'b2c-cart';
const EXPERIMENT_STEP = 'incentive';

export interface DemoCampaignsInput {
  /** The shipped campaigns (campaigns/*.yaml, newest versions). */
  shipped: readonly Campaign[];
  /** Real time = campaign time / scale. */
  scale: number;
}

/**
 * Only `cart.abandoned` campaigns: welcome, post-purchase and re-order chains last days to weeks
 * even scaled, and would still be running when the demo ends. In each:
 * - every delay, code lifetime, frequency gap, deferral, cooldown and attribution window is scaled;
 * - quiet hours are off: they are the recipient's local wall-clock hours, which no scale speeds up,
 *   so a scaled email falling into 21:00–08:00 in Vladivostok would wait real hours;
 * - the weekly cap (3 in any 7 days) stays as written: its window is a fixed 7 real days, and a demo
 *   customer gets one cart, so at most 3 emails, which the cap allows.
 */
export function demoCampaigns({ shipped, scale }: DemoCampaignsInput): Campaign[] {
  if (!(scale >= 1)) throw new RangeError(`the time scale must be at least 1 (got ${scale})`);
  const scaled = (ms: number) => Math.max(0, Math.round(ms / scale));
  return shipped
    .filter((campaign) => campaign.trigger === 'cart.abandoned')
    .map((campaign) =>
      withExperiment({
        ...campaign,
        steps: campaign.steps.map((step) => scaleStep(step, scaled)),
        frequency: {
          ...campaign.frequency,
          minGap: scaled(campaign.frequency.minGap),
          maxDeferral: scaled(campaign.frequency.maxDeferral),
        },
        quietHours: null,
        reentryCooldown: scaled(campaign.reentryCooldown),
        attributionWindow: scaled(campaign.attributionWindow),
      }),
    );
}

function scaleStep(step: CampaignStep, scaled: (ms: number) => number): CampaignStep {
  if (step.kind !== 'email') return { ...step, delay: scaled(step.delay) };
  return {
    ...step,
    delay: scaled(step.delay),
    ...(step.incentive ? { incentive: scaleIncentive(step.incentive, scaled) } : {}),
    ...(step.variants
      ? {
          variants: step.variants.map((variant) => ({
            ...variant,
            ...(variant.delay !== undefined ? { delay: scaled(variant.delay) } : {}),
            ...(variant.incentive ? { incentive: scaleIncentive(variant.incentive, scaled) } : {}),
          })),
        }
      : {}),
  };
}

function scaleIncentive(incentive: Incentive, scaled: (ms: number) => number): Incentive {
  return { ...incentive, validFor: scaled(incentive.validFor) };
}

/**
 * The consumer campaign's discount step as an A/B test, 10 % (the step as written) against 15 %,
 * judged on orders, with a 10 % holdout that gets no email: the report then shows both kinds of
 * experiment and their verdicts. Other campaigns, or a file that already has variants, stay as they are.
 */
function withExperiment(campaign: Campaign): Campaign {
  if (campaign.id !== EXPERIMENT_CAMPAIGN) return campaign;
  const steps = campaign.steps.map((step): CampaignStep => {
    if (step.kind !== 'email' || step.id !== EXPERIMENT_STEP || step.variants || step.incentive?.type !== 'percent')
      return step;
    const bigger: Incentive = { ...step.incentive, value: Math.min(100, step.incentive.value + 5) };
    return {
      ...step,
      variants: [
        { id: `percent-${step.incentive.value}`, weight: 1 },
        { id: `percent-${bigger.value}`, weight: 1, incentive: bigger },
      ],
    };
  });
  return { ...campaign, steps, experiment: { ...campaign.experiment, holdout: 10, metric: 'orders' } };
}
