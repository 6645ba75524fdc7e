import { signatureHeader } from '../signing/webhook-signature';

/** How the simulated shop treats an answer that asks it to come back: as docs/webhooks.md asks a shop to. */
export interface WebhookRetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Longest wait between attempts, whatever Retry-After says (the demo runs on a scaled clock). */
  maxWaitMs: number;
}

const DEFAULT_POLICY: WebhookRetryPolicy = { attempts: 6, maxWaitMs: 5_000 };

/**
 * Posts one signed event to `POST /webhooks/cart` and returns the answer's body. A 503 (the event
 * was not stored: the database was slow or down), a 429 or no answer at all is sent again, the
 * same event with the same id and a fresh signature, after its Retry-After: a busy laptop may
 * answer so, and a shop that gave up there would lose the event. Any other non-2xx answer is an
 * error.
 */
export async function postShopEvent(
  input: { baseUrl: string; webhookSecret: string; body: string },
  policy: WebhookRetryPolicy = DEFAULT_POLICY,
): Promise<unknown> {
  for (let attempt = 1; ; attempt += 1) {
    const timestampSeconds = Math.floor(Date.now() / 1000);
    let response: Response;
    try {
      response = await fetch(`${input.baseUrl}/webhooks/cart`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'cartflow-signature': signatureHeader({ secret: input.webhookSecret, body: input.body, timestampSeconds }),
        },
        body: input.body,
      });
    } catch (error) {
      // No answer (a keep-alive connection the server closed as the request went out, a reset):
      // the event may or may not be stored, and the same id again is safe either way.
      if (attempt >= policy.attempts)
        throw new Error(`webhook got no answer after ${attempt} attempts: ${causeOf(error)}`);
      await wait(retryWaitMs(null, policy));
      continue;
    }
    if (response.ok) return response.json();
    const retryable = response.status === 503 || response.status === 429;
    if (!retryable || attempt >= policy.attempts) {
      const tries = attempt > 1 ? ` after ${attempt} attempts` : '';
      throw new Error(`webhook answered ${response.status}${tries}: ${await response.text()}`);
    }
    await response.body?.cancel();
    await wait(retryWaitMs(response.headers.get('retry-after'), policy));
  }
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** fetch's own message is "fetch failed"; what failed is in its cause. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return [(error as Error).message, cause?.code, cause?.message].filter(Boolean).join(': ');
}

function retryWaitMs(retryAfter: string | null, policy: WebhookRetryPolicy): number {
  const seconds = Number(retryAfter);
  const wanted = retryAfter !== null && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1_000;
  return Math.min(wanted, policy.maxWaitMs);
}
