/**
 * OpenAPI 3.1 description of the reports API, served at `GET /admin/openapi.json`. The schemas
 * mirror reports/build-report.ts field for field (integers are counts and minor units; rates and
 * means are numbers), and test/integration/report-api.test.ts checks real responses against them.
 */

const integer = { type: 'integer', minimum: 0 } as const;
const number = { type: 'number' } as const;
const fraction = { type: 'number', minimum: 0, maximum: 1 } as const;
const text = { type: 'string' } as const;
const day = { type: 'string', format: 'date', description: 'UTC day, YYYY-MM-DD' } as const;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (name: string) => ({ oneOf: [ref(name), { type: 'null' }] });

/** A closed object: every property required, nothing else allowed (so the document cannot drift). */
function object(properties: Record<string, unknown>, description?: string) {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    required: Object.keys(properties),
    properties,
    additionalProperties: false,
  };
}

const counts = (names: string[]) => Object.fromEntries(names.map((name) => [name, integer]));

const verdict = (kind: string, properties: Record<string, unknown>, description: string) =>
  object({ kind: { const: kind }, ...properties }, description);

const schemas = {
  Interval: object({ low: number, high: number }),
  Rate: {
    description:
      'A fraction (0.25 = 25 %) with its Wilson 95 % interval, rounded to 6 decimals; all three null when the denominator is 0 (no email reached anybody, nobody entered the arm).',
    oneOf: [
      object({ rate: fraction, low: fraction, high: fraction }),
      object({ rate: { type: 'null' }, low: { type: 'null' }, high: { type: 'null' } }),
    ],
  },
  FunnelLine: object(
    {
      campaignId: text,
      campaignVersion: { type: 'integer' },
      step: text,
      variant: { type: 'string', description: "The step's variant, or '' when the step has none." },
      currency: text,
      ...counts([
        'reached',
        'sent',
        'skipped',
        'failed',
        'delivered',
        'bounced',
        'complained',
        'unsubscribed',
        'uniqueHumanOpens',
        'machineOpens',
        'uniqueHumanClicks',
        'machineClicks',
        'attributedOrders',
      ]),
      attributedRevenueMinor: { type: 'integer', description: 'In minor units of currency.' },
      recoveredCarts: integer,
      unconfirmed: {
        ...integer,
        description:
          'Not sent again because the step must not go out any more, after an attempt that died mid-send may have sent it. Not in sent, skipped or delivered.',
      },
      unconfirmedBounced: { ...integer, description: 'Of bounced, the bounces of unconfirmed emails.' },
      humanOpenRate: ref('Rate'),
      humanClickRate: ref('Rate'),
      orderRate: ref('Rate'),
      unsubscribeRate: ref('Rate'),
      revenuePerRecipientMinor: {
        type: ['number', 'null'],
        description:
          'Attributed revenue per sent or unconfirmed email, minor units; null when no email was sent or unconfirmed (a holdout line), not 0.',
      },
    },
    'One campaign version × step × variant × currency over the range; rates over the emails that may have reached the customer (delivered, plus unconfirmed ones that did not bounce).',
  ),
  DailyRow: object(
    {
      campaignId: text,
      day,
      currency: text,
      sent: { ...integer, description: 'Confirmed sends, as in FunnelLine.sent.' },
      unconfirmed: {
        ...integer,
        description:
          'As in FunnelLine.unconfirmed: may have reached the customer, so its opens, clicks and orders are in this day too. Not in sent.',
      },
      ...counts(['uniqueHumanOpens', 'uniqueHumanClicks', 'attributedOrders']),
      attributedRevenueMinor: { type: 'integer' },
    },
    "One campaign × UTC day (the day the step ran) × currency; summed over the days, each count equals the funnel's.",
  ),
  VsControl: object(
    {
      difference: number,
      differenceInterval: ref('Interval'),
      relativeUplift: { type: ['number', 'null'] },
      relativeUpliftInterval: nullable('Interval'),
      pValue: { type: ['number', 'null'] },
      sequentialInterval: {
        ...nullable('Interval'),
        description: 'Always-valid interval on the judged metric: the verdict reads this one.',
      },
      revenueDifference: number,
      revenueDifferenceInterval: nullable('Interval'),
    },
    'This arm against arms[0] (fixed-horizon figures beside the always-valid interval).',
  ),
  ExperimentArm: object({
    id: text,
    entered: integer,
    rate: ref('Rate'),
    revenuePerRecipient: {
      type: ['number', 'null'],
      description: 'Revenue per entrant (zeros included), minor units; null when nobody entered the arm, not 0.',
    },
    vsControl: nullable('VsControl'),
    weight: { type: 'number', minimum: 0 },
    ...counts(['conversions', 'orders']),
    revenueMinor: { type: 'integer' },
    ...counts(['recoveredCarts', 'humanClicked']),
  }),
  SampleRatioCheck: object({
    chiSquared: { type: 'number', minimum: 0 },
    degreesOfFreedom: { type: 'integer', minimum: 1 },
    pValue: { type: 'number', minimum: 0, maximum: 1 },
    mismatch: { type: 'boolean' },
  }),
  Metric: { type: 'string', enum: ['human_clicks', 'orders', 'revenue'] },
  Verdict: {
    oneOf: [
      verdict('winner', { arm: text, metric: ref('Metric') }, 'The arm beats arms[0] on the metric.'),
      verdict('loser', { arm: text, metric: ref('Metric') }, 'The arm does worse than arms[0].'),
      verdict(
        'no_difference_yet',
        { neededPerArm: { type: ['integer', 'null'], minimum: 0 } },
        'No decision yet; neededPerArm more recipients per arm give 80 % power at the minimum effect.',
      ),
      verdict('sample_ratio_mismatch', { pValue: number }, 'The arms are not the planned split: nothing is judged.'),
      verdict('not_enough_data', {}, 'Fewer than 100 recipients in an arm.'),
    ],
  },
  ExperimentReport: object({
    campaignVersion: { type: 'integer' },
    experiment: { type: 'string', description: '`holdout`, or the id of the step whose variants are compared.' },
    kind: { type: 'string', enum: ['holdout', 'variants'] },
    currency: text,
    metric: ref('Metric'),
    arms: { type: 'array', items: ref('ExperimentArm'), description: 'arms[0] is the baseline.' },
    weightsKnown: { type: 'boolean' },
    unplannedArms: { type: 'array', items: text },
    srm: nullable('SampleRatioCheck'),
    verdict: ref('Verdict'),
  }),
  CampaignSection: object({
    campaignId: text,
    name: { type: ['string', 'null'], description: 'From the newest campaign file; null without one.' },
    funnel: { type: 'array', items: ref('FunnelLine') },
    daily: { type: 'array', items: ref('DailyRow') },
    experiments: { type: 'array', items: ref('ExperimentReport') },
  }),
  CampaignReport: object(
    {
      range: object({ since: day, until: day }),
      campaigns: { type: 'array', items: ref('CampaignSection'), description: 'Empty when the range has no data.' },
    },
    'The same object the CLI report prints (reports/build-report.ts).',
  ),
  Error: {
    type: 'object',
    required: ['error', 'message'],
    properties: {
      error: { type: 'string', description: 'A stable code, e.g. invalid_parameter, unauthorized.' },
      message: { type: 'string', description: 'What to change, in words.' },
      parameter: { type: 'string', enum: ['since', 'until', 'campaign'] },
    },
    additionalProperties: false,
  },
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
});

export const reportOpenApi = {
  openapi: '3.1.0',
  info: {
    title: 'cartflow reports API',
    version: '1.0.0',
    description: 'Campaign funnels, daily series and experiment verdicts, as the dashboard at /admin/dashboard shows.',
  },
  jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
  paths: {
    '/admin/reports/campaigns': {
      get: {
        operationId: 'getCampaignReport',
        summary: 'The campaign report for the shop over a range of UTC days',
        security: [{ adminToken: [] }],
        parameters: [
          {
            name: 'since',
            in: 'query',
            schema: day,
            description: 'First day, inclusive; default: 29 days before until.',
          },
          { name: 'until', in: 'query', schema: day, description: 'Last day, inclusive; default: today (UTC).' },
          { name: 'campaign', in: 'query', schema: text, description: 'One campaign id; default: all campaigns.' },
          {
            name: 'Cartflow-Shop',
            in: 'header',
            schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
            description: 'Another shop of the install (cartflow shops list); default: the default shop (SHOP_ID).',
          },
        ],
        responses: {
          '200': {
            description: 'The report',
            content: { 'application/json': { schema: ref('CampaignReport') } },
          },
          '400': errorResponse(
            'A bad date, since after until, an unknown campaign, an unknown parameter or a malformed Cartflow-Shop.',
          ),
          '401': errorResponse('No or wrong bearer token.'),
          '404': errorResponse('ADMIN_TOKEN is not set (the API is disabled), or Cartflow-Shop names no shop.'),
        },
      },
    },
  },
  components: {
    schemas,
    securitySchemes: {
      adminToken: { type: 'http', scheme: 'bearer', description: 'The ADMIN_TOKEN of the server.' },
    },
  },
};
