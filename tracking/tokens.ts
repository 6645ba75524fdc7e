import { createHmac, timingSafeEqual } from 'node:crypto';
import { base32nopad } from '@scure/base';
import { JSON_TOKEN_SOURCE, isJsonToken, openJsonToken } from './tokens-v1';

/**
 * Signed tokens in tracked links, open pixels and unsubscribe links. A token names a message row
 * (and, for a click, an index into that message's links), never a URL or an address: the redirect
 * target comes from the database, so a token cannot be turned into an open redirect, and the link
 * in a forwarded email reveals nothing about its recipient.
 *
 * Format: RFC 4648 base32 (A–Z, 2–7, no padding) of a binary payload followed by the first 16
 * bytes of HMAC-SHA256 over it. Payload: one byte `version << 4 | purpose` (1 open, 2 click,
 * 3 unsubscribe), the message row id (16 bytes), the expiry (unix seconds, uint32 BE) and, for a
 * click, the link index (uint16 BE): 60 characters, 63 for a click.
 *
 * Why base32 in capitals: a token has no lower-case letter, so it adds no Latin `e` to the text
 * part. The first form (base64url of JSON, `eyJ…`, tracking/tokens-v1.ts) put several in every
 * link, and in Russian email Latin `e`s among Cyrillic `е`s are what SpamAssassin's MIXED_ES
 * (+1.0, "Too many es are not es") counts. Tokens of that form in emails already sent still verify.
 */

export type TokenPurpose = 'open' | 'click' | 'unsubscribe';

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

/** A token whose signature holds, before its purpose and expiry are checked. */
export type OpenedToken = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'bad_signature' };

const VERSION = 2;
const PURPOSES: readonly TokenPurpose[] = ['open', 'click', 'unsubscribe'];
const MAC_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// 21 + 16 bytes are 60 base32 characters; a click's 23 + 16 are 63.
const BASE32_TOKEN_SOURCE = '[A-Z2-7]{60}(?:[A-Z2-7]{3})?';
const BASE32_TOKEN = new RegExp(`^${BASE32_TOKEN_SOURCE}$`);

/** Either form of token inside a text (a subject, a quoted email): what the inbound listener looks for. */
export const tokensInText = () =>
  new RegExp(`(?<![A-Za-z0-9_-])(?:${BASE32_TOKEN_SOURCE}|${JSON_TOKEN_SOURCE})(?![A-Za-z0-9_-])`, 'g');

function mac(secret: string, payload: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(payload).digest().subarray(0, MAC_BYTES);
}

export function signToken(secret: string, claims: TokenClaims): string {
  if (!UUID.test(claims.messageId)) throw new RangeError('a token names a message row id (a UUID)');
  const linkIndex = claims.purpose === 'click' ? claims.linkIndex : undefined;
  if (claims.purpose === 'click' && linkIndex === undefined) throw new RangeError('a click token needs its link index');
  const payload = Buffer.alloc(linkIndex === undefined ? 21 : 23);
  payload.writeUInt8((VERSION << 4) | (PURPOSES.indexOf(claims.purpose) + 1), 0);
  Buffer.from(claims.messageId.replaceAll('-', ''), 'hex').copy(payload, 1);
  payload.writeUInt32BE(Math.floor(claims.expiresAt.getTime() / 1000), 17);
  if (linkIndex !== undefined) payload.writeUInt16BE(linkIndex, 21); // throws above 65,535 links
  return base32nopad.encode(Buffer.concat([payload, mac(secret, payload)]));
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
  const keys = [secrets].flat();
  const opened = isJsonToken(token) ? openJsonToken(keys, token) : openBase32Token(keys, token);
  if (!opened.ok) return opened;
  const { claims } = opened;
  if (claims.purpose !== expected) return { ok: false, reason: 'wrong_purpose' };
  if (claims.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}

function openBase32Token(secrets: readonly string[], token: string): OpenedToken {
  if (!BASE32_TOKEN.test(token)) return { ok: false, reason: 'malformed' };
  let bytes: Buffer;
  try {
    // Throws when the last character's unused bits are set: only the one canonical spelling passes.
    bytes = Buffer.from(base32nopad.decode(token));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const payload = bytes.subarray(0, -MAC_BYTES);
  const given = bytes.subarray(-MAC_BYTES);
  if (!secrets.some((secret) => timingSafeEqual(given, mac(secret, payload))))
    return { ok: false, reason: 'bad_signature' };
  const purpose = PURPOSES[(payload[0]! & 0x0f) - 1];
  const click = purpose === 'click';
  if (payload[0]! >> 4 !== VERSION || !purpose || payload.length !== (click ? 23 : 21)) {
    return { ok: false, reason: 'malformed' };
  }
  const hex = payload.subarray(1, 17).toString('hex');
  return {
    ok: true,
    claims: {
      purpose,
      messageId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
      ...(click ? { linkIndex: payload.readUInt16BE(21) } : {}),
      expiresAt: new Date(payload.readUInt32BE(17) * 1000),
    },
  };
}
