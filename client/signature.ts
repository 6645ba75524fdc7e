import { createHmac } from 'node:crypto';

/**
 * `Cartflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with the
 * shared secret (cartflow's WEBHOOK_SECRET). Sign the exact bytes you send.
 */
export function cartflowSignature({
  secret,
  body,
  timestampSeconds,
}: {
  secret: string;
  body: string | Uint8Array;
  timestampSeconds: number;
}): string {
  const timestamp = String(Math.floor(timestampSeconds));
  const hmac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `t=${timestamp},v1=${hmac}`;
}
