import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { backoffMs, retryAfterMs } from './backoff.js';
import type { Accepted, Cart, CartEvent, ConsentUpdate, ErrorBody, NewCustomer, Order } from './contract.js';
import { cartflowSignature } from './signature.js';

/**
 * A typed client for cartflow's webhook (`POST /webhooks/cart`), for a Node shop backend (Node 20+;
 * Node built-ins and fetch only). Every call signs its body as cartflow verifies it, retries
 * network errors, timeouts, 429 and 5xx with exponential backoff and full jitter (honouring
 * Retry-After), never retries any other 4xx, and sends every attempt under one event id, so
 * cartflow stores and acts on the event once however many attempts reach it.
 *
 *   const cartflow = createCartflowClient({ baseUrl: 'https://cartflow.example.com', secret });
 *   await cartflow.cartUpdated(cart);
 */

export type * from './contract.js';
export { cartflowSignature } from './signature.js';

export interface CartflowClientOptions {
  /** Where cartflow's server answers, e.g. https://cartflow.example.com (no path). */
  baseUrl: string;
  /** The shared secret: cartflow's WEBHOOK_SECRET, or the shop's secret from `cartflow shops add`. */
  secret: string;
  /** The shop's id when one cartflow install serves several (sent as Cartflow-Shop); absent: the default shop. */
  shopId?: string;
  /** Attempts per event, the first included. Default 5. */
  maxAttempts?: number;
  /** The first retry waits up to this long; each further one up to twice as long. Default 500 ms. */
  initialDelayMs?: number;
  /** No backoff wait is longer (Retry-After may be). Default 30 s. */
  maxDelayMs?: number;
  /** One attempt's time limit. Default 10 s. */
  timeoutMs?: number;
  /** For tests and instrumentation. */
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export interface SendOptions {
  /**
   * The event id. Default: derived from the event's type and content, so sending the same snapshot
   * again (a retry, a second process, a restart) is the same event. Give your own when you have
   * one (a message id from your queue); never reuse one for a different event (cartflow answers 409).
   */
  eventId?: string;
  /** When it happened in the shop (ISO 8601). Part of the event: give the same one on a resend. */
  occurredAt?: string;
  /** Stops waiting and retrying. */
  signal?: AbortSignal;
}

/** cartflow's answer, with how many attempts it took. */
export interface Delivered extends Accepted {
  httpStatus: number;
  attempts: number;
}

/** The event was refused (a 4xx, which a retry would not change) or every attempt failed. */
export interface CartflowErrorDetails {
  /** HTTP status of the last answer; undefined when none came (network error, timeout). */
  status?: number;
  /** cartflow's error code (invalid_payload, bad_signature, …) or network_error / timeout. */
  code: string;
  issues?: ErrorBody['issues'];
  /** True when the attempts ran out on a failure that could pass (5xx, 429, network). */
  retryable: boolean;
  attempts: number;
  eventId: string;
}

export class CartflowError extends Error {
  // Plain fields, no parameter properties: the file also runs under Node's type stripping.
  readonly details: CartflowErrorDetails;
  constructor(message: string, details: CartflowErrorDetails) {
    super(message);
    this.name = 'CartflowError';
    this.details = details;
  }
}

export interface CartflowClient {
  cartUpdated(cart: Cart, options?: SendOptions): Promise<Delivered>;
  orderPlaced(order: Order, options?: SendOptions): Promise<Delivered>;
  customerCreated(customer: NewCustomer, options?: SendOptions): Promise<Delivered>;
  /** The customer opted in or out outside any cart; set `updatedAt` to when they did. */
  consentUpdated(change: ConsentUpdate, options?: SendOptions): Promise<Delivered>;
  /** Any event of the contract, id included. */
  send(event: CartEvent, options?: { signal?: AbortSignal }): Promise<Delivered>;
}

type Attempt =
  | { kind: 'answer'; response: Response; body: unknown }
  | { kind: 'no_answer'; code: 'network_error' | 'timeout'; detail: string };

export function createCartflowClient(options: CartflowClientOptions): CartflowClient {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/webhooks/cart`;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const initialDelayMs = options.initialDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));

  async function attempt(body: string, signal: AbortSignal | undefined): Promise<Attempt> {
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.shopId === undefined ? {} : { 'cartflow-shop': options.shopId }),
          // Signed per attempt: a retry minutes later must still be within cartflow's tolerance.
          'cartflow-signature': cartflowSignature({ secret: options.secret, body, timestampSeconds: now() / 1000 }),
        },
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const text = await response.text();
      return { kind: 'answer', response, body: parseJson(text) };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const timedOut = timeout.aborted;
      return {
        kind: 'no_answer',
        code: timedOut ? 'timeout' : 'network_error',
        detail: timedOut ? `no answer within ${timeoutMs} ms` : describeNetworkError(error),
      };
    }
  }

  async function send(event: CartEvent, { signal }: { signal?: AbortSignal } = {}): Promise<Delivered> {
    const body = JSON.stringify(event);
    for (let attempts = 1; ; attempts += 1) {
      const result = await attempt(body, signal);
      if (result.kind === 'answer' && result.response.ok) {
        return { ...(result.body as Accepted), httpStatus: result.response.status, attempts };
      }
      const retryable = result.kind === 'no_answer' || isRetryableStatus(result.response.status);
      if (!retryable || attempts >= maxAttempts) throw failure(event.id, result, { retryable, attempts });
      const asked =
        result.kind === 'answer' ? retryAfterMs(result.response.headers.get('retry-after'), now()) : undefined;
      await sleep(asked ?? backoffMs({ retry: attempts, initialDelayMs, maxDelayMs, random }), signal);
    }
  }

  const sendAs =
    <T extends CartEvent['type'], D>(type: T) =>
    (data: D, options: SendOptions = {}) =>
      send(
        {
          id: options.eventId ?? contentId({ type, data, occurredAt: options.occurredAt }),
          type,
          ...(options.occurredAt ? { occurredAt: options.occurredAt } : {}),
          data,
        } as CartEvent,
        { signal: options.signal },
      );

  return {
    cartUpdated: sendAs<'cart.updated', Cart>('cart.updated'),
    orderPlaced: sendAs<'order.placed', Order>('order.placed'),
    customerCreated: sendAs<'customer.created', NewCustomer>('customer.created'),
    consentUpdated: sendAs<'customer.consent_updated', ConsentUpdate>('customer.consent_updated'),
    send,
  };
}

/** 429 (slow down) and 5xx (cartflow or Temporal briefly away) may pass; any other 4xx will not. */
function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** `cart.updated:<40 hex>`: the same type, content and time give the same id on every process. */
function contentId(event: { type: string; data: unknown; occurredAt: string | undefined }): string {
  const digest = createHash('sha256').update(JSON.stringify(event)).digest('hex').slice(0, 40);
  return `${event.type}:${digest}`;
}

function failure(
  eventId: string,
  result: Attempt,
  { retryable, attempts }: { retryable: boolean; attempts: number },
): CartflowError {
  const tried = attempts > 1 ? ` after ${attempts} attempts` : '';
  if (result.kind === 'no_answer') {
    return new CartflowError(`cartflow did not answer${tried}: ${result.detail}`, {
      code: result.code,
      retryable,
      attempts,
      eventId,
    });
  }
  const status = result.response.status;
  const body = isErrorBody(result.body) ? result.body : undefined;
  const code = body?.error ?? `http_${status}`;
  const words = body?.message ?? (typeof result.body === 'string' ? result.body.slice(0, 200) : 'no explanation');
  return new CartflowError(`cartflow answered ${status} ${code}${tried}: ${words}`, {
    status,
    code,
    ...(body?.issues ? { issues: body.issues } : {}),
    retryable,
    attempts,
    eventId,
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as ErrorBody).error === 'string';
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? 'network error';
}
