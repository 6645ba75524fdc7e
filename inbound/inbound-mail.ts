import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { ParsedMail } from 'mailparser';
import type { Logger } from 'pino';
import { type SoftBounceRule, normalizeMessageIdHeader, recordDeliveryEvent } from '../app/bounces';
import type { ChainStopper } from '../app/chain-stopper';
import { unsubscribeFromAll } from '../app/unsubscribe';
import type { Db } from '../db/client';
import { erasedMessageOf, unsubscribeTargetOf } from '../db/preference-store';
import { messages } from '../db/schema';
import { type BounceType, bounceOf, isAutoReply, parseDeliveryStatus } from '../domain/delivery-status';
import { messageIdOfReturnPath } from '../tracking/return-path';
import { tokensInText, verifyToken } from '../tracking/tokens';

/** The two addresses the inbound listener takes mail for. */
export interface InboundAddresses {
  /** The List-Unsubscribe mailto (UNSUBSCRIBE_MAILTO). */
  unsubscribe: string;
  /** BOUNCE_ADDRESS; its signed VERP variants are the Return-Path of marketing email. Unset: no bounces taken. */
  bounce?: string;
}

export type InboundRecipient = { kind: 'unsubscribe' } | { kind: 'bounce'; messageId: string };

/** What a RCPT TO address is to cartflow; undefined means "no such user" (refused with 550). */
export function inboundRecipientOf(
  { addresses, secret }: { addresses: InboundAddresses; secret: string },
  address: string,
): InboundRecipient | undefined {
  if (address.toLowerCase() === addresses.unsubscribe.toLowerCase()) return { kind: 'unsubscribe' };
  if (!addresses.bounce) return undefined;
  const messageId = messageIdOfReturnPath({ secrets: secret, bounceAddress: addresses.bounce, address });
  return messageId ? { kind: 'bounce', messageId } : undefined;
}

export interface InboundMailDeps {
  db: Db;
  /** TRACKING_SECRET: unsubscribe tokens and VERP tags were signed with it. */
  secret: string;
  softBounces: SoftBounceRule;
  chains?: ChainStopper;
  logger: Logger;
  now: () => Date;
}

export type InboundOutcome =
  | { status: 'unsubscribed'; messageId: string }
  | { status: 'bounce'; type: BounceType; messageId: string; duplicate: boolean }
  | { status: 'ignored'; reason: 'auto_reply' | 'not_a_dsn' | 'not_a_failure' | 'unknown_message' }
  /** An authentic token whose recipient was erased: no address is held, so none gets email (accepted). */
  | { status: 'erased'; messageId: string }
  /** Answered 550 at the end of DATA, so the person who wrote learns that nothing happened. */
  | { status: 'refused'; reason: 'no_valid_token' };

/** Acts on one accepted message for one of its recipients. `raw` identifies a DSN without a Message-ID. */
export async function handleInboundMail(
  deps: InboundMailDeps,
  recipient: InboundRecipient,
  mail: ParsedMail,
  raw: Buffer,
): Promise<InboundOutcome> {
  return recipient.kind === 'unsubscribe'
    ? handleUnsubscribe(deps, mail)
    : handleBounce(deps, { messageId: recipient.messageId, mail, raw });
}

const header = (mail: ParsedMail) => (name: string) => {
  const value = mail.headers.get(name);
  return value === undefined ? undefined : String(value);
};

// A mail program puts the token in the subject; a quoted email carries it near the top.
const MAX_TEXT_SCANNED = 64 * 1024;

/**
 * A mail to the List-Unsubscribe mailto. The signed token (in the subject the mailto sets, or
 * anywhere in the text for a mail program that moved it) decides whose address is unsubscribed,
 * never the From header. The rules are the one-click POST's: an authentic token unsubscribes even
 * when expired (an opt-out is never refused); a forged one does not. An authentic token of an erased
 * recipient is answered as the link's page and the one-click POST answer it: nothing to unsubscribe
 * from, which is done, not refused (a 550 "use the link" would send the person to a page that says
 * the opposite).
 */
async function handleUnsubscribe(deps: InboundMailDeps, mail: ParsedMail): Promise<InboundOutcome> {
  if (isAutoReply(header(mail))) return { status: 'ignored', reason: 'auto_reply' };
  const candidates = [
    ...`${mail.subject ?? ''}\n${(mail.text ?? '').slice(0, MAX_TEXT_SCANNED)}`.matchAll(tokensInText()),
  ].map((match) => match[0]);
  let erased: string | undefined;
  for (const token of new Set(candidates)) {
    const check = verifyToken(deps.secret, token, 'unsubscribe', deps.now());
    const claims = check.ok ? check.claims : check.reason === 'expired' ? check.claims : undefined;
    if (!claims) continue;
    const target = await unsubscribeTargetOf(deps.db, claims.messageId);
    if (!target) {
      // A later token in the same mail may still name a held address: that one is acted on first.
      if (!erased && (await erasedMessageOf(deps.db, claims.messageId))) erased = claims.messageId;
      continue;
    }
    await unsubscribeFromAll(deps, target, 'mailto');
    return { status: 'unsubscribed', messageId: claims.messageId };
  }
  return erased ? { status: 'erased', messageId: erased } : { status: 'refused', reason: 'no_valid_token' };
}

const DELIVERY_STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);

/**
 * A mail to a VERP Return-Path: the tag (checked at RCPT) names the message, so the bounce is about
 * that message's recipient whatever the DSN's own Final-Recipient says. Only a DSN with a failed
 * recipient counts; auto-replies and other mail are accepted and ignored. The DSN's Message-ID
 * makes a redelivered DSN a no-op.
 */
async function handleBounce(
  deps: InboundMailDeps,
  { messageId, mail, raw }: { messageId: string; mail: ParsedMail; raw: Buffer },
): Promise<InboundOutcome> {
  const report = mail.attachments.find((part) => DELIVERY_STATUS_TYPES.has(part.contentType.toLowerCase()));
  if (!report) return { status: 'ignored', reason: isAutoReply(header(mail)) ? 'auto_reply' : 'not_a_dsn' };
  const bounce = bounceOf(parseDeliveryStatus(report.content.toString('utf8')));
  if (!bounce) return { status: 'ignored', reason: 'not_a_failure' };
  const [message] = await deps.db
    .select({ shopId: messages.shopId, recipient: messages.recipient })
    .from(messages)
    .where(eq(messages.id, messageId));
  if (!message?.recipient) return { status: 'ignored', reason: 'unknown_message' };
  const outcome = await recordDeliveryEvent(deps, {
    shopId: message.shopId,
    email: message.recipient,
    type: bounce.type,
    source: 'dsn',
    providerEventId:
      normalizeMessageIdHeader(mail.messageId) ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`,
    messageId,
    detail: bounce.detail,
    occurredAt: deps.now(),
  });
  return { status: 'bounce', type: bounce.type, messageId, duplicate: outcome.status === 'duplicate' };
}
