import { createHmac } from 'node:crypto';
import type { TokenClaims } from '../../tracking/tokens';

/**
 * A link token of the first form, `base64url(JSON) "." base64url(HMAC)`, exactly as cartflow
 * signed them before base32 tokens (tracking/tokens-v1.ts): emails already sent carry these, and
 * tests prove their links still work. Production code only reads this form.
 */
export function firstFormToken(secret: string, claims: TokenClaims): string {
  const payload = {
    p: { open: 'o', click: 'c', unsubscribe: 'u' }[claims.purpose],
    m: claims.messageId,
    ...(claims.linkIndex === undefined ? {} : { i: claims.linkIndex }),
    x: Math.floor(claims.expiresAt.getTime() / 1000),
  };
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const mac = createHmac('sha256', secret).update(encoded).digest().subarray(0, 16);
  return `${encoded}.${mac.toString('base64url')}`;
}
