import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * VERP (variable envelope return path): the envelope sender of a marketing email names its message
 * row, so an asynchronous bounce (a DSN, RFC 3464) sent back to it says which email bounced even
 * when the receiving server quotes nothing of it. `bounce@bounces.example.com` becomes
 * `bounce+<message id as 32 hex>-<MAC as 20 hex>@bounces.example.com`.
 *
 * Lower-case hex because some servers change the case of local parts; 54 characters plus the
 * configured local part stay within RFC 5321's 64 (config/env.ts limits that part). No expiry:
 * bounces of a delayed delivery arrive days later, and a valid tag only ever names the message
 * it came with, whose recipient already sees it in the Return-Path header.
 */

const MAC_HEX = 20;
const TAG = /^([0-9a-f]{32})-([0-9a-f]{20})$/;

function mac(secret: string, hexId: string): string {
  return createHmac('sha256', secret).update(`return-path:${hexId}`).digest('hex').slice(0, MAC_HEX);
}

function split(address: string): { local: string; domain: string } | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return undefined;
  return { local: address.slice(0, at).toLowerCase(), domain: address.slice(at + 1).toLowerCase() };
}

/** The signed Return-Path of message row `messageId` under `bounceAddress` (BOUNCE_ADDRESS). */
export function returnPathFor({
  secret,
  bounceAddress,
  messageId,
}: {
  secret: string;
  bounceAddress: string;
  messageId: string;
}): string {
  const base = split(bounceAddress);
  if (!base) throw new Error('bounce address must be local@domain');
  const hexId = messageId.replace(/-/g, '').toLowerCase();
  return `${base.local}+${hexId}-${mac(secret, hexId)}@${base.domain}`;
}

/**
 * The message row a recipient address names, when it is `bounceAddress` with a tag signed by one
 * of `secrets`; undefined for anything else (another address, a forged or truncated tag).
 */
export function messageIdOfReturnPath({
  secrets,
  bounceAddress,
  address,
}: {
  secrets: string | readonly string[];
  bounceAddress: string;
  address: string;
}): string | undefined {
  const base = split(bounceAddress);
  const given = split(address);
  if (!base || !given || given.domain !== base.domain || !given.local.startsWith(`${base.local}+`)) return undefined;
  const match = TAG.exec(given.local.slice(base.local.length + 1));
  if (!match) return undefined;
  const [, hexId = '', signature = ''] = match;
  const signed = [secrets]
    .flat()
    .some((secret) => timingSafeEqual(Buffer.from(mac(secret, hexId)), Buffer.from(signature)));
  if (!signed) return undefined;
  return `${hexId.slice(0, 8)}-${hexId.slice(8, 12)}-${hexId.slice(12, 16)}-${hexId.slice(16, 20)}-${hexId.slice(20)}`;
}
