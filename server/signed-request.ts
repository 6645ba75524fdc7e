import type { Context } from 'hono';
import { SIGNATURE_HEADER, verifySignature } from '../signing/webhook-signature';
import { requestHeader } from './request-header';

/** What a shop developer reads when a signed webhook (cart or generic delivery events) is refused. */
export const SIGNATURE_MESSAGES = {
  missing_signature: `missing ${SIGNATURE_HEADER} header`,
  malformed_signature: `${SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<hex hmac>`,
  stale_timestamp: 'signature timestamp is more than the allowed tolerance away from now (replay protection)',
  bad_signature: 'signature does not match the body; sign "<t>.<raw body>" with HMAC-SHA256 and the shared secret',
} as const;

export interface SignedRequestConfig {
  webhookSecret: string;
  webhookToleranceMs: number;
  /** The resolved shop's secrets (current, then previous): any one verifies. Default: [webhookSecret]. */
  webhookSecrets?: readonly string[];
}

/**
 * Reads the raw body (as `limitedRawBody` already read it, else from the request) and checks its
 * `Cartflow-Signature`; a refusal is the 401 to send back.
 */
export async function readSignedBody(
  c: Context,
  config: SignedRequestConfig,
  nowMs: number,
): Promise<{ ok: true; body: Uint8Array } | { ok: false; response: Response }> {
  const body = c.get('rawBody') ?? new Uint8Array(await c.req.arrayBuffer());
  const header = requestHeader(c, SIGNATURE_HEADER);
  const check = (secret: string) =>
    verifySignature({ header, body, secret, toleranceMs: config.webhookToleranceMs, nowMs });
  const [first = config.webhookSecret, ...others] = config.webhookSecrets ?? [config.webhookSecret];
  let signature = check(first);
  // Only a bad match can differ between secrets; a missing, malformed or stale header is the same for all.
  for (const secret of others) {
    if (signature.ok || signature.reason !== 'bad_signature') break;
    signature = check(secret);
  }
  if (signature.ok) return { ok: true, body };
  return {
    ok: false,
    response: c.json({ error: signature.reason, message: SIGNATURE_MESSAGES[signature.reason] }, 401),
  };
}
