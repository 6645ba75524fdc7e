import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { OpenedToken, TokenPurpose } from './tokens';

/**
 * The first token form, `base64url(JSON payload) "." base64url(first 16 bytes of HMAC-SHA256(payload))`,
 * read but no longer written: links in emails already sent carry it until they expire (the
 * unsubscribe link's lifetime, UNSUBSCRIBE_LINK_TTL_DAYS, is the longest). Replaced because
 * base64 of JSON is mostly Latin letters (`eyJ…`), which counted against Russian email in
 * SpamAssassin's MIXED_ES rule (tracking/tokens.ts).
 */

/** 16 MAC bytes are exactly 22 base64url characters. */
export const JSON_TOKEN_SOURCE = '[A-Za-z0-9_-]{1,512}\\.[A-Za-z0-9_-]{22}';
const JSON_TOKEN = new RegExp(`^${JSON_TOKEN_SOURCE}$`);

const PURPOSES = { o: 'open', c: 'click', u: 'unsubscribe' } as const satisfies Record<string, TokenPurpose>;

// The same bounds as the base32 form (uint16 link index, uint32 expiry): an expiry past Date's
// range read as an Invalid Date, which never compares as past, so such a token never expired.
const Payload = z
  .object({
    p: z.enum(['o', 'c', 'u']),
    /** messages.id */
    m: z.uuid(),
    /** Link index, clicks only. */
    i: z.number().int().min(0).max(0xffff).optional(),
    /** Expiry, unix seconds. */
    x: z.number().int().positive().max(0xffffffff),
  })
  .refine((payload) => (payload.p === 'c') === (payload.i !== undefined), 'a link index on clicks, and only there');

const mac = (secret: string, encoded: string) => createHmac('sha256', secret).update(encoded).digest().subarray(0, 16);

export const isJsonToken = (token: string) => JSON_TOKEN.test(token);

/** Checks the signature, then reads the claims; purpose and expiry are the caller's (verifyToken). */
export function openJsonToken(secrets: readonly string[], token: string): OpenedToken {
  const [encoded = '', signature = ''] = token.split('.');
  const given = Buffer.from(signature, 'base64url');
  // The last character carries 4 unused bits: accept only the one canonical spelling.
  if (!isJsonToken(token) || given.toString('base64url') !== signature) return { ok: false, reason: 'malformed' };
  const signed = secrets.some((secret) => timingSafeEqual(given, mac(secret, encoded)));
  if (!signed) return { ok: false, reason: 'bad_signature' };
  let payload: z.infer<typeof Payload>;
  try {
    payload = Payload.parse(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  return {
    ok: true,
    claims: {
      purpose: PURPOSES[payload.p],
      // Lower case, as the base32 form reads it: one spelling of a row id for every caller.
      messageId: payload.m.toLowerCase(),
      ...(payload.i === undefined ? {} : { linkIndex: payload.i }),
      expiresAt: new Date(payload.x * 1000),
    },
  };
}
