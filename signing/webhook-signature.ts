import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Neutral ground: the server verifies inbound webhooks with it and activities sign outbound ones
 * (notify-manager), so neither layer imports the other.
 *
 * Webhook signatures: `Cartflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` where the
 * HMAC is computed over `<t>.<raw body bytes>` with the shared secret. Several `v1=` entries
 * are allowed so a shop can roll its secret without downtime.
 */
export const SIGNATURE_HEADER = 'cartflow-signature';

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing_signature' | 'malformed_signature' | 'stale_timestamp' | 'bad_signature' };

export interface VerifySignatureInput {
  header: string | undefined;
  body: Uint8Array;
  secret: string;
  toleranceMs: number;
  nowMs: number;
}

export function verifySignature({ header, body, secret, toleranceMs, nowMs }: VerifySignatureInput): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing_signature' };
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamp = parts.find(([name]) => name === 't')?.[1];
  const signatures = parts.filter(([name, value]) => name === 'v1' && value).map(([, value]) => value as string);
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) {
    return { ok: false, reason: 'malformed_signature' };
  }
  if (Math.abs(nowMs - Number(timestamp) * 1000) > toleranceMs) return { ok: false, reason: 'stale_timestamp' };
  const expected = Buffer.from(hmac({ secret, timestamp, body }), 'hex');
  const matches = signatures.some((candidate) => {
    const given = Buffer.from(candidate, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

export interface SignInput {
  secret: string;
  body: string | Uint8Array;
  timestampSeconds: number;
}

/** The header value a shop sends; used by tests, the docs' example and any Node client. */
export function signatureHeader({ secret, body, timestampSeconds }: SignInput): string {
  const timestamp = String(timestampSeconds);
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return `t=${timestamp},v1=${hmac({ secret, timestamp, body: bytes })}`;
}

function hmac({ secret, timestamp, body }: { secret: string; timestamp: string; body: Uint8Array }): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}
