import { HttpCallError, postJson } from '../http/post-json';

/**
 * Client for the shop's discount-code API (contract in docs/discount-codes.md, "Shop discount API"):
 *   POST   {base}/discount-codes               → 201 { "id": "…" }
 *   POST   {base}/discount-codes/{id}/disable  → 200/204
 * Bearer token auth; `Idempotency-Key` on create, so a retried call never makes a second code.
 */

export interface CreateShopCodeInput {
  idempotencyKey: string;
  code: string;
  type: 'percent' | 'fixed' | 'free_shipping';
  value: string;
  currency: string | null;
  expiresAt: string;
  customerEmail: string;
  /** The shop's own id of the customer (a Shopify customer id), when the cart carried one. */
  shopCustomerId?: string;
}

export interface ShopDiscountApi {
  createCode(input: CreateShopCodeInput): Promise<{ externalId: string }>;
  disableCode(externalId: string): Promise<void>;
}

export interface ShopDiscountApiOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
}

export function createShopDiscountApi(options: ShopDiscountApiOptions): ShopDiscountApi {
  const base = options.baseUrl.replace(/\/+$/, '');
  const call = (path: string, body?: unknown, idempotencyKey?: string) =>
    postJson({
      url: `${base}${path}`,
      body,
      timeoutMs: options.timeoutMs,
      label: `shop API ${path}`,
      headers: {
        authorization: `Bearer ${options.token}`,
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
    });

  return {
    async createCode(input) {
      const body = {
        code: input.code,
        type: input.type,
        value: input.value,
        currency: input.currency,
        expiresAt: input.expiresAt,
        usageLimit: 1,
        customerEmail: input.customerEmail,
      };
      const result = (await call('/discount-codes', body, input.idempotencyKey)) as { id?: unknown } | undefined;
      if (typeof result?.id !== 'string' && typeof result?.id !== 'number') {
        throw new HttpCallError('shop API /discount-codes answered without an "id"', false);
      }
      return { externalId: String(result.id) };
    },
    async disableCode(externalId) {
      await call(`/discount-codes/${encodeURIComponent(externalId)}/disable`);
    },
  };
}
