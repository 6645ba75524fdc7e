import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Signed tokens in tracked links, open pixels and unsubscribe links. A token names a message row
 * (and, for a click, an index into that message's links), never a URL or an address: the redirect
 * target comes from the database, so a token cannot be turned into an open redirect, and the link
 * in a forwarded email reveals nothing about its recipient.
 *
 * Format: `base64url(JSON payload) "." base64url(first 16 bytes of HMAC-SHA256(payload))`.
 */

export type TokenPurpose = 'open' | 'click' | 'unsubscribe';

const PURPOSE_CODES = { open: 'o', click: 'c', unsubscribe: 'u' } as const;

const Payload = z.object({
  p: z.enum(['o', 'c', 'u']),
  /** messages.id */
  m: z.uuid(),
  /** Link index, clicks only. */
  i: z.number().int().min(0).optional(),
  /** Expiry, unix seconds. */
  x: z.number().int().positive(),
});

export interface TokenClaims {
  purpose: TokenPurpose;
  messageId: string;
  linkIndex?: number;
  expiresAt: Date;
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  /** `malformed` and `bad_signature` are answered like an unknown token: 404, nothing revealed. */
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'wrong_purpose' | 'expired'; claims?: TokenClaims };

const MAC_BYTES = 16;

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest().subarray(0, MAC_BYTES);
}

export function signToken(secret: string, claims: TokenClaims): string {
  const payload: z.infer<typeof Payload> = {
    p: PURPOSE_CODES[claims.purpose],
    m: claims.messageId,
    ...(claims.linkIndex === undefined ? {} : { i: claims.linkIndex }),
    x: Math.floor(claims.expiresAt.getTime() / 1000),
  };
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${encoded}.${mac(secret, encoded).toString('base64url')}`;
}

/**
 * Checks the signature first, then the purpose and the expiry. `secrets` may hold the previous
 * secret too, so links in emails already sent keep working while a new one is rolled out.
 */
export function verifyToken(
  secrets: string | readonly string[],
  token: string,
  expected: TokenPurpose,
  now: Date = new Date(),
): TokenCheck {
  // 16 bytes are exactly 22 base64url characters.
  const match = /^([A-Za-z0-9_-]{1,512})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, encoded, signature] = match as unknown as [string, string, string];
  const given = Buffer.from(signature, 'base64url');
  // The last character carries 4 unused bits: accept only the one canonical spelling.
  if (given.toString('base64url') !== signature) return { ok: false, reason: 'malformed' };
  const signed = [secrets].flat().some((secret) => {
    const wanted = mac(secret, encoded);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  });
  if (!signed) return { ok: false, reason: 'bad_signature' };

  let payload: z.infer<typeof Payload>;
  try {
    payload = Payload.parse(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const purpose = (Object.keys(PURPOSE_CODES) as TokenPurpose[]).find((key) => PURPOSE_CODES[key] === payload.p)!;
  const claims: TokenClaims = {
    purpose,
    messageId: payload.m,
    ...(payload.i === undefined ? {} : { linkIndex: payload.i }),
    expiresAt: new Date(payload.x * 1000),
  };
  if (purpose !== expected) return { ok: false, reason: 'wrong_purpose' };
  if (claims.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}
