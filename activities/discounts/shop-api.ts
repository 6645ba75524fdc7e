/**
 * Client for the shop's discount-code API (contract in README, "Shop discount API"):
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
}

export interface ShopDiscountApi {
  createCode(input: CreateShopCodeInput): Promise<{ externalId: string }>;
  disableCode(externalId: string): Promise<void>;
}

/** A failed call: `retryable` for 5xx, 429 and network trouble; a 4xx will not improve. */
export class ShopApiError extends Error {
  override name = 'ShopApiError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface ShopDiscountApiOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
}

export function createShopDiscountApi(options: ShopDiscountApiOptions): ShopDiscountApi {
  const base = options.baseUrl.replace(/\/+$/, '');

  async function call(path: string, init: { body?: unknown; idempotencyKey?: string }): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.token}`,
          'content-type': 'application/json',
          ...(init.idempotencyKey ? { 'idempotency-key': init.idempotencyKey } : {}),
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError' ? `timed out after ${options.timeoutMs} ms` : 'unreachable';
      throw new ShopApiError(`shop API ${path} ${reason}`, true);
    }
    if (response.ok) return response.status === 204 ? undefined : response.json().catch(() => undefined);
    const detail = (await response.text().catch(() => '')).slice(0, 300);
    const retryable = response.status === 429 || response.status >= 500;
    throw new ShopApiError(
      `shop API ${path} answered ${response.status}${detail ? `: ${detail}` : ''}`,
      retryable,
      retryAfterMs(response.headers.get('retry-after')),
    );
  }

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
      const result = (await call('/discount-codes', { body, idempotencyKey: input.idempotencyKey })) as {
        id?: unknown;
      };
      if (typeof result?.id !== 'string' && typeof result?.id !== 'number') {
        throw new ShopApiError('shop API /discount-codes answered without an "id"', false);
      }
      return { externalId: String(result.id) };
    },
    async disableCode(externalId) {
      await call(`/discount-codes/${encodeURIComponent(externalId)}/disable`, {});
    },
  };
}

/** `Retry-After` in seconds or as an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
