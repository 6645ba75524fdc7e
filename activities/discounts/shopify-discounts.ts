import { z } from 'zod';
import { HttpCallError } from '../http/post-json';
import type { CreateShopCodeInput, ShopDiscountApi } from './shop-api';
import { type ShopifyGraphqlOptions, shopifyGraphql } from './shopify-graphql';

/**
 * The discount source for a Shopify shop: each recipient's code is a Shopify code discount made
 * with the Admin GraphQL API (usage limit 1, once per customer, only that customer when Shopify
 * knows them, ending at the code's expiry), deactivated when the chain ends early.
 *
 * `customerSelection` is deprecated in favour of `context` but still accepted by every API version
 * up to 2027-01, so it works whatever SHOPIFY_API_VERSION a shop pins.
 */

const USER_ERRORS = 'userErrors { field code message }';

const CREATE_BASIC = `mutation discountCodeBasicCreate($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) { codeDiscountNode { id } ${USER_ERRORS} }
}`;

const CREATE_FREE_SHIPPING = `mutation discountCodeFreeShippingCreate($freeShippingCodeDiscount: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $freeShippingCodeDiscount) { codeDiscountNode { id } ${USER_ERRORS} }
}`;

const FIND_BY_CODE = `query codeDiscountNodeByCode($code: String!) { codeDiscountNodeByCode(code: $code) { id } }`;

const DEACTIVATE = `mutation discountCodeDeactivate($id: ID!) {
  discountCodeDeactivate(id: $id) { codeDiscountNode { id } ${USER_ERRORS} }
}`;

const UserError = z.object({ field: z.array(z.string()).nullish(), code: z.string().nullish(), message: z.string() });
type UserError = z.infer<typeof UserError>;
const MutationPayload = z.object({
  codeDiscountNode: z.object({ id: z.string() }).nullish(),
  userErrors: z.array(UserError),
});

export interface ShopifyDiscountOptions extends ShopifyGraphqlOptions {
  now?: () => Date;
  /** Where a deactivation Shopify refuses is noted (ids only); the code still ends at its expiry. */
  onDeactivateRefused?: (info: { externalId: string; errors: string }) => void;
}

export function createShopifyDiscountApi(options: ShopifyDiscountOptions): ShopDiscountApi {
  const now = options.now ?? (() => new Date());
  const call = (operation: string, query: string, variables: Record<string, unknown>) =>
    shopifyGraphql(options, { operation, query, variables });

  async function mutate(operation: string, query: string, variables: Record<string, unknown>) {
    const data = await call(operation, query, variables);
    const payload = MutationPayload.safeParse(data[operation]);
    if (!payload.success) throw new HttpCallError(`Shopify Admin API ${operation} answered without its payload`, true);
    return payload.data;
  }

  return {
    async createCode(input) {
      const [operation, query, argument] =
        input.type === 'free_shipping'
          ? ['discountCodeFreeShippingCreate', CREATE_FREE_SHIPPING, 'freeShippingCodeDiscount']
          : ['discountCodeBasicCreate', CREATE_BASIC, 'basicCodeDiscount'];
      const result = await mutate(operation, query, { [argument]: discountInput(input, now()) });
      if (result.codeDiscountNode) return { externalId: result.codeDiscountNode.id };
      // A retry after a lost answer: the first attempt made the code, which Shopify now calls taken.
      if (result.userErrors.some(isCodeTaken)) {
        const found = await call('codeDiscountNodeByCode', FIND_BY_CODE, { code: input.code });
        const existing = z.object({ codeDiscountNodeByCode: z.object({ id: z.string() }).nullish() }).safeParse(found);
        if (existing.success && existing.data.codeDiscountNodeByCode) {
          return { externalId: existing.data.codeDiscountNodeByCode.id };
        }
      }
      throw new HttpCallError(`Shopify refused ${operation}: ${describe(result.userErrors)}`, false);
    },

    async disableCode(externalId) {
      const result = await mutate('discountCodeDeactivate', DEACTIVATE, { id: externalId });
      // Deleted or already expired in Shopify's admin: nothing left to stop, and failing would fail the chain.
      if (result.userErrors.length > 0) {
        options.onDeactivateRefused?.({ externalId, errors: describe(result.userErrors) });
      }
    },
  };
}

/** DiscountCodeBasicInput / DiscountCodeFreeShippingInput for one recipient's single-use code. */
export function discountInput(input: CreateShopCodeInput, startsAt: Date): Record<string, unknown> {
  const common = {
    title: `cartflow ${input.idempotencyKey}`,
    code: input.code,
    startsAt: startsAt.toISOString(),
    endsAt: input.expiresAt,
    usageLimit: 1,
    appliesOncePerCustomer: true,
    customerSelection: customerSelection(input.shopCustomerId),
  };
  if (input.type === 'free_shipping') return { ...common, destination: { all: true } };
  const value =
    input.type === 'percent'
      ? { percentage: percentFraction(input.value) }
      : { discountAmount: { amount: input.value, appliesOnEachItem: false } };
  return { ...common, customerGets: { value, items: { all: true } } };
}

/** Only that customer when Shopify knows them (the checkout's customer id); otherwise anyone with the code. */
function customerSelection(shopCustomerId: string | undefined) {
  if (shopCustomerId && /^\d{1,20}$/.test(shopCustomerId)) {
    return { customers: { add: [`gid://shopify/Customer/${shopCustomerId}`] } };
  }
  return { all: true };
}

/** "15" → 0.15: Shopify's percentage is a fraction from 0 to 1. */
function percentFraction(value: string): number {
  return Math.round(Number(value) * 100) / 10_000;
}

const isCodeTaken = (error: UserError) => error.code === 'TAKEN' && (error.field ?? []).includes('code');

function describe(errors: UserError[]): string {
  if (errors.length === 0) return 'no code discount and no reason given';
  return errors.map((error) => `${(error.field ?? []).join('.') || '(input)'}: ${error.message}`).join('; ');
}
