import { createHash } from 'node:crypto';
import { signToken } from './tokens';

/** Where an email's tracked links, pixel and unsubscribe link point, and how long they work. */
export interface LinkSettings {
  /** TRACKING_SECRET */
  secret: string;
  /** PUBLIC_BASE_URL: where cartflow's HTTP server is reachable from the recipient's mail client. */
  baseUrl: string;
  trackOpens: boolean;
  trackClicks: boolean;
  linkTtlMs: number;
  unsubscribeTtlMs: number;
  /** The mailto: alternative in List-Unsubscribe; the token rides in its subject. */
  unsubscribeMailto: string;
  /** BOUNCE_ADDRESS: when set, marketing email goes out with a signed VERP Return-Path (tracking/return-path.ts). */
  bounceAddress?: string;
}

/**
 * The messages row id of a send, derived from its key: the email's links can be signed before
 * the row is claimed, and a retried attempt renders exactly the same links.
 */
export function messageRowIdFor(key: string): string {
  const hex = createHash('sha256').update(`message:${key}`).digest('hex');
  // Shaped as an RFC 9562 version 8 (custom) UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const base = (settings: LinkSettings) => settings.baseUrl.replace(/\/+$/, '');
const expiry = (sentAt: Date, ttlMs: number) => new Date(sentAt.getTime() + ttlMs);

export function unsubscribeUrl(settings: LinkSettings, messageId: string, sentAt: Date): string {
  const token = signToken(settings.secret, {
    purpose: 'unsubscribe',
    messageId,
    expiresAt: expiry(sentAt, settings.unsubscribeTtlMs),
  });
  return `${base(settings)}/u/${token}`;
}

export function clickUrl(settings: LinkSettings, messageId: string, linkIndex: number, sentAt: Date): string {
  const token = signToken(settings.secret, {
    purpose: 'click',
    messageId,
    linkIndex,
    expiresAt: expiry(sentAt, settings.linkTtlMs),
  });
  return `${base(settings)}/t/c/${token}`;
}

export function pixelUrl(settings: LinkSettings, messageId: string, sentAt: Date): string {
  const token = signToken(settings.secret, {
    purpose: 'open',
    messageId,
    expiresAt: expiry(sentAt, settings.linkTtlMs),
  });
  return `${base(settings)}/t/o/${token}.gif`;
}

/**
 * RFC 8058 one-click unsubscribe, and RFC 2369's mailto for mail programs without it: the same
 * signed token goes in the subject (`unsubscribe TOKEN`), where the inbound listener looks for it.
 * In the local part (`unsubscribe+TOKEN@`) it would not fit RFC 5321's 64 characters. `prepared` keeps nodemailer from re-folding the long header,
 * which has broken DKIM signatures; both headers must be in the DKIM header list (mail/mailer.ts).
 */
export function listUnsubscribeHeaders(settings: LinkSettings, messageId: string, sentAt: Date) {
  const https = unsubscribeUrl(settings, messageId, sentAt);
  const token = https.slice(https.lastIndexOf('/') + 1);
  const mailto = `mailto:${settings.unsubscribeMailto}?subject=${encodeURIComponent(`unsubscribe ${token}`)}`;
  return {
    'List-Unsubscribe': { prepared: true, value: `<${https}>, <${mailto}>` },
    'List-Unsubscribe-Post': { prepared: true, value: 'List-Unsubscribe=One-Click' },
  };
}
