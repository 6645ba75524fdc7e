import { z } from 'zod';
import { HttpCallError, postJson } from '../http/post-json';

/**
 * One call to Shopify's Admin GraphQL API. Failures become HttpCallErrors that say whether to
 * retry: HTTP 5xx/429 and network trouble (post-json), and Shopify's cost-based throttling, which
 * answers HTTP 200 with `errors[].extensions.code = "THROTTLED"` and the bucket's state in the
 * top-level `extensions.cost` (shopify.dev, "GraphQL Admin API rate limits").
 */

export interface ShopifyGraphqlOptions {
  /** my-shop.myshopify.com */
  shopDomain: string;
  accessToken: string;
  /** e.g. 2025-10 */
  apiVersion: string;
  timeoutMs: number;
}

const ThrottleStatus = z.object({
  maximumAvailable: z.number().optional(),
  currentlyAvailable: z.number(),
  restoreRate: z.number().positive(),
});

const GraphqlResponse = z.object({
  data: z.record(z.string(), z.unknown()).nullish(),
  errors: z
    .array(z.object({ message: z.string(), extensions: z.object({ code: z.string().optional() }).loose().optional() }))
    .optional(),
  extensions: z
    .object({
      cost: z
        .object({ requestedQueryCost: z.number().optional(), throttleStatus: ThrottleStatus.optional() })
        .loose()
        .optional(),
    })
    .loose()
    .optional(),
});
type GraphqlResponse = z.infer<typeof GraphqlResponse>;

/** Without the cost fields, wait one second: Shopify restores at least 50 points a second on every plan. */
const FALLBACK_THROTTLE_WAIT_MS = 1000;

/**
 * How long until the bucket holds the query's cost again:
 * (requestedQueryCost − currentlyAvailable) / restoreRate seconds, rounded up, at least one second.
 */
export function throttleWaitMs(cost: NonNullable<GraphqlResponse['extensions']>['cost']): number {
  const status = cost?.throttleStatus;
  if (!status || cost.requestedQueryCost === undefined) return FALLBACK_THROTTLE_WAIT_MS;
  const missing = cost.requestedQueryCost - status.currentlyAvailable;
  return Math.max(FALLBACK_THROTTLE_WAIT_MS, Math.ceil(missing / status.restoreRate) * 1000);
}

export async function shopifyGraphql(
  options: ShopifyGraphqlOptions,
  request: { operation: string; query: string; variables: Record<string, unknown> },
): Promise<Record<string, unknown>> {
  const label = `Shopify Admin API ${request.operation}`;
  const answer = await postJson({
    url: `https://${options.shopDomain}/admin/api/${options.apiVersion}/graphql.json`,
    body: { query: request.query, variables: request.variables },
    headers: { 'x-shopify-access-token': options.accessToken },
    timeoutMs: options.timeoutMs,
    label,
  });
  const parsed = GraphqlResponse.safeParse(answer);
  if (!parsed.success) throw new HttpCallError(`${label} answered something that is not a GraphQL response`, true);
  const { data, errors = [], extensions } = parsed.data;
  if (errors.some((error) => error.extensions?.code === 'THROTTLED')) {
    throw new HttpCallError(
      `${label} throttled (query cost over the available points)`,
      true,
      throttleWaitMs(extensions?.cost),
    );
  }
  if (errors.length > 0 || !data) {
    const messages = errors.map((error) => error.message).join('; ') || 'no data';
    // A malformed query, a missing access scope or a wrong token will not improve on retry.
    const internal = errors.some((error) => error.extensions?.code === 'INTERNAL_SERVER_ERROR');
    throw new HttpCallError(`${label} failed: ${messages}`, internal);
  }
  return data;
}
