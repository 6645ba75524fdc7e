import { z } from 'zod';

/**
 * A campaign file (campaigns/*.yaml), as marketers write it. After parsing, every duration is a
 * number of milliseconds and every default is filled in. Documented in README.md ("For marketers").
 */

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION_MESSAGE = 'must be a duration: a whole number and a unit (s, m, h, d or w), such as 30m, 24h or 3d';

/** "24h" → 86400000. Whole numbers and one unit only, so "1.5h" or "1 day" are refused, not guessed. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,6})(s|m|h|d|w)$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const Duration = z
  .string({ error: DURATION_MESSAGE })
  .regex(/^\d{1,6}[smhdw]$/, DURATION_MESSAGE)
  .transform((text) => parseDuration(text) as number);

const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and - only (max 64)');

const LocalTime = z
  .string({ error: 'must be a local time in quotes, such as "21:00"' })
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time such as "21:00" (24-hour clock)');

/**
 * Audience rules over customer and cart attributes (evaluated in segments.ts). A rule object has
 * exactly one key; `all`, `any` and `not` combine rules.
 */
export type SegmentRule =
  | { all: SegmentRule[] }
  | { any: SegmentRule[] }
  | { not: SegmentRule }
  | { b2b: boolean }
  | { cartValue: CartValueRule }
  | { customer: 'new' | 'returning' }
  | { locale: string[] }
  | { country: string[] }
  | { itemCategory: string[] };

export interface CartValueRule {
  gte?: number | undefined;
  lt?: number | undefined;
  currency: string;
}

const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');

const CartValueRule = z
  .strictObject({
    gte: z.number().nonnegative().optional().describe('matches when the cart total is at least this'),
    lt: z.number().positive().optional().describe('matches when the cart total is below this'),
    currency: Currency.describe("the rule matches only carts in this currency; amounts are in the cart's currency"),
  })
  .refine((rule) => rule.gte !== undefined || rule.lt !== undefined, 'give a bound: gte, lt or both');

const ruleKeys = ['all', 'any', 'not', 'b2b', 'cartValue', 'customer', 'locale', 'country', 'itemCategory'] as const;

const ruleList = () => z.array(SegmentRule).min(1, 'needs at least one rule');

export const SegmentRule: z.ZodType<SegmentRule> = z
  .lazy(() =>
    z
      .strictObject({
        all: ruleList().optional().describe('matches when every rule in the list matches'),
        any: ruleList().optional().describe('matches when at least one rule in the list matches'),
        not: SegmentRule.optional().describe('matches when the rule does not match'),
        b2b: z.boolean().optional().describe('business customer (true) or consumer (false)'),
        cartValue: CartValueRule.optional(),
        customer: z
          .enum(['new', 'returning'], { error: 'must be new or returning' })
          .optional()
          .describe('new: no earlier order; returning: at least one (needs customer.orderCount in the webhook)'),
        locale: z
          .array(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as de or de-AT'))
          .min(1)
          .optional()
          .describe('language tags; "de" also matches "de-AT"'),
        country: z
          .array(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 country code such as DE'))
          .min(1)
          .optional()
          .describe("the customer's country (customer.country in the webhook)"),
        itemCategory: z
          .array(z.string().min(1))
          .min(1)
          .optional()
          .describe('matches when any cart item is in any of these categories (items[].categories)'),
      })
      .refine(
        (rule) => Object.keys(rule).length === 1,
        `a rule has exactly one of: ${ruleKeys.join(', ')} (combine several with all or any)`,
      ),
  )
  .meta({ id: 'SegmentRule' }) as z.ZodType<SegmentRule>;

export const Trigger = z.enum(['cart.abandoned', 'customer.created', 'order.placed', 'reorder.due'], {
  error: 'must be one of: cart.abandoned, customer.created, order.placed, reorder.due',
});
export type Trigger = z.infer<typeof Trigger>;

export const Incentive = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('percent'),
      value: z.number().gt(0).max(100).describe('percent off the cart'),
      validFor: Duration.describe('how long the code works after it is created'),
    }),
    z.strictObject({
      type: z.literal('fixed'),
      value: z.number().positive().describe('amount off, in `currency`'),
      currency: Currency,
      validFor: Duration,
    }),
    z.strictObject({ type: z.literal('free_shipping'), validFor: Duration }),
  ],
  {
    error: (issue) => (issue.code === 'invalid_union' ? 'must be one of: percent, fixed, free_shipping' : undefined),
  },
);
export type Incentive = z.infer<typeof Incentive>;

const ManagerNotification = z
  .strictObject({
    email: z.boolean().default(false).describe("email the account's sales manager"),
    webhookUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .optional()
      .describe('POST a JSON notification here (e.g. your CRM)'),
  })
  .refine((manager) => manager.email || manager.webhookUrl !== undefined, 'set email: true, a webhookUrl, or both');

/**
 * One arm of a step's experiment: what it changes against the step as written (template, subject
 * line, incentive, delay). The first variant is the control; a variant that changes nothing is the
 * step as written.
 */
export const StepVariant = z.strictObject({
  id: Slug.describe('recorded on every message of this arm (messages.variant)'),
  weight: z.number().positive().max(1_000_000).default(1).describe('share of entrants, relative to the other variants'),
  template: Slug.optional().describe('another template folder for this arm'),
  subjectLine: z
    .number()
    .int()
    .min(1)
    .max(20)
    .optional()
    .describe("the template's subject line to use, counting from 1 (the lines of subject.hbs)"),
  incentive: Incentive.nullable().optional().describe('another incentive for this arm; null for none'),
  delay: Duration.optional().describe('another wait before this step'),
});
export type StepVariant = z.infer<typeof StepVariant>;

export const CampaignStep = z
  .strictObject({
    id: Slug.describe('unique within the campaign; recorded on every message'),
    delay: Duration.describe('wait after the previous step (the first step: after the trigger)'),
    kind: z.enum(['email', 'notify_manager'], { error: 'must be email or notify_manager' }).default('email'),
    template: Slug.optional().describe('template folder under templates/'),
    incentive: Incentive.optional().describe('a unique single-use discount code created for this email'),
    manager: ManagerNotification.optional().describe('for kind notify_manager: how to reach the sales manager'),
    variants: z
      .array(StepVariant)
      .min(2, 'an experiment needs at least two variants (the first is the control)')
      .max(10, 'at most 10 variants')
      .optional()
      .describe(
        'an A/B test of this step: each entrant gets one variant, by a stable hash of the campaign, step and customer',
      ),
  })
  .superRefine((step, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (step.kind === 'email') {
      if (step.template === undefined) problem('template', 'an email step needs a template');
      if (step.manager !== undefined) problem('manager', 'only a notify_manager step has manager');
    } else {
      if (step.manager === undefined) problem('manager', 'a notify_manager step needs manager: { email, webhookUrl }');
      if (step.manager?.email && step.template === undefined) problem('template', 'a manager email needs a template');
      if (step.incentive !== undefined) problem('incentive', 'only an email step to the customer has an incentive');
      if (step.variants !== undefined) problem('variants', 'only an email step to the customer has variants');
    }
    const ids = new Set<string>();
    step.variants?.forEach((variant, index) => {
      if (ids.has(variant.id)) {
        ctx.addIssue({ code: 'custom', path: ['variants', index, 'id'], message: 'duplicate variant id' });
      }
      ids.add(variant.id);
    });
  })
  .transform((step, ctx): CampaignStep => {
    if (isEmailStep(step) || isNotifyManagerStep(step)) return step;
    // Unreachable after the checks above; here so the type is proven by a check, not asserted.
    ctx.addIssue({ code: 'custom', path: ['kind'], message: `not a valid ${step.kind} step` });
    return z.NEVER;
  });

type ManagerNotification = z.infer<typeof ManagerNotification>;

interface StepFields {
  id: string;
  /** Milliseconds after the previous step (the first step: after the trigger). */
  delay: number;
}

/** An email to the customer: always a template, maybe a discount code and an experiment. */
export interface EmailStep extends StepFields {
  kind: 'email';
  template: string;
  incentive?: Incentive;
  variants?: StepVariant[];
  manager?: undefined;
}

/** Tells the sales manager (email, CRM webhook or both); the template is there when `manager.email` is. */
export interface NotifyManagerStep extends StepFields {
  kind: 'notify_manager';
  manager: ManagerNotification;
  template?: string;
  incentive?: undefined;
  variants?: undefined;
}

/** A campaign step, by kind: `step.kind === 'email'` narrows to a step that has its template. */
export type CampaignStep = EmailStep | NotifyManagerStep;

// The parsed object itself becomes the typed step (no copy): a step keeps the exact shape it has
// always had in workflow histories, where pinned campaigns travel in the workflow input.
interface ParsedStep extends StepFields {
  kind: CampaignStep['kind'];
  template?: string | undefined;
  manager?: ManagerNotification | undefined;
  incentive?: Incentive | undefined;
  variants?: StepVariant[] | undefined;
}

function isEmailStep<Step extends ParsedStep>(step: Step): step is Step & EmailStep {
  return step.kind === 'email' && step.template !== undefined && step.manager === undefined;
}

function isNotifyManagerStep<Step extends ParsedStep>(step: Step): step is Step & NotifyManagerStep {
  return (
    step.kind === 'notify_manager' &&
    step.manager !== undefined &&
    step.incentive === undefined &&
    step.variants === undefined
  );
}

export const ExitRules = z.strictObject({
  purchased: z.boolean().default(true).describe('stop when the cart is bought (or the customer orders)'),
  cartEmptied: z.boolean().default(true),
  newerCart: z.boolean().default(true).describe('stop when a newer cart of the same customer starts a chain'),
  unsubscribed: z.boolean().default(true),
});
export type ExitRules = z.infer<typeof ExitRules>;

export const FrequencyPolicy = z.strictObject({
  minGap: Duration.prefault('16h').describe('least time between two marketing emails to one person, any campaign'),
  maxPer7Days: z.number().int().min(1).max(100).default(3).describe('most marketing emails in any 7 days'),
  maxDeferral: Duration.prefault('24h').describe('a capped email waits at most this long, otherwise it is skipped'),
});
export type FrequencyPolicy = z.infer<typeof FrequencyPolicy>;

export const QuietHours = z
  .strictObject({ start: LocalTime, end: LocalTime })
  .refine((window) => window.start !== window.end, 'start and end must differ');
export type QuietHours = z.infer<typeof QuietHours>;

const QuietHoursSetting = z
  .union([z.literal('none'), QuietHours], {
    error: 'must be none or a window such as { start: "21:00", end: "08:00" }',
  })
  .transform((setting) => (setting === 'none' ? null : setting))
  .describe("no marketing email in this window of the recipient's local time; it waits for the end");

/** Campaign-level experiment settings: a holdout group, and how the report judges variants. */
export const ExperimentSettings = z.strictObject({
  holdout: z
    .number()
    .min(0)
    .max(50, 'at most 50 (percent)')
    .default(0)
    .describe('percent of entrants who get no email from this campaign: the baseline for true uplift'),
  metric: z
    .enum(['orders', 'human_clicks', 'revenue'], { error: 'must be orders, human_clicks or revenue' })
    .default('orders')
    .describe('what the report judges variants on (never opens: Apple Mail opens every email)'),
  minimumDetectableEffect: z
    .number()
    .gt(0)
    .max(1000)
    .default(10)
    .describe('the smallest relative lift worth detecting, in percent; sizes the test'),
});
export type ExperimentSettings = z.infer<typeof ExperimentSettings>;

const CampaignFields = z.strictObject({
  id: Slug.describe('stays the same across versions'),
  version: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .describe('raise it with every change; running chains keep their version'),
  name: z.string().min(1).max(200),
  priority: z.number().int().min(0).max(100_000).describe('for one trigger, the lowest number is checked first'),
  trigger: Trigger,
  reorderAfter: Duration.optional().describe('for reorder.due: how long after an order the chain starts'),
  segment: Slug.optional().describe('label recorded on every message; defaults to the id'),
  audience: z
    .union([z.literal('everyone'), SegmentRule], { error: 'must be everyone or a segment rule' })
    .describe('who enters; the first matching campaign wins'),
  steps: z.array(CampaignStep).min(1, 'needs at least one step').max(20),
  exit: ExitRules.prefault({}),
  frequency: FrequencyPolicy.prefault({}),
  quietHours: QuietHoursSetting.prefault({ start: '21:00', end: '08:00' }),
  freshFor: Duration.prefault('24h').describe(
    'a step that could not be sent within this long after it fell due (mail server down, retries) is recorded as expired instead of sent late',
  ),
  reentryCooldown: Duration.prefault('7d').describe('after a chain ends, the customer does not enter again for this'),
  attributionWindow: Duration.prefault('5d').describe(
    'an order this long after a human click (or open) on one of its emails is attributed to that email',
  ),
  attributionTouch: z
    .enum(['click', 'open'], { error: 'must be click or open' })
    .default('click')
    .describe('what counts as a touch for attribution: a human click (default) or a human open'),
  experiment: ExperimentSettings.prefault({}),
});

export const Campaign = CampaignFields.superRefine((campaign, ctx) => {
  const seen = new Set<string>();
  campaign.steps.forEach((step, index) => {
    if (seen.has(step.id)) ctx.addIssue({ code: 'custom', path: ['steps', index, 'id'], message: 'duplicate step id' });
    seen.add(step.id);
  });
  const isReorder = campaign.trigger === 'reorder.due';
  if (isReorder !== (campaign.reorderAfter !== undefined)) {
    const message = isReorder ? 'a reorder.due campaign needs reorderAfter' : 'only a reorder.due campaign has it';
    ctx.addIssue({ code: 'custom', path: ['reorderAfter'], message });
  }
}).transform(({ segment, ...campaign }) => ({ ...campaign, segment: segment ?? campaign.id }));
export type Campaign = z.infer<typeof Campaign>;

export { newestVersions } from './campaign-versions';

/** The JSON Schema of a campaign file, for editor completion (campaigns/campaign.schema.json). */
export function campaignJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(Campaign, { io: 'input', target: 'draft-7' }),
    title: 'cartflow campaign',
    description: 'A campaign file under campaigns/. See README.md, "For marketers: campaigns".',
  };
}

/**
 * The templates the campaigns send as internal email (a `notify_manager` step's alert to the sales
 * manager): no unsubscribe link or List-Unsubscribe. The template check scores them as such.
 */
export function internalTemplateIds(campaigns: Campaign[]): Set<string> {
  return new Set(
    campaigns.flatMap((campaign) =>
      // A notify_manager step has no variants (NotifyManagerStep): its one template is the alert.
      campaign.steps.flatMap((step) =>
        step.kind === 'notify_manager' && step.template !== undefined ? [step.template] : [],
      ),
    ),
  );
}
