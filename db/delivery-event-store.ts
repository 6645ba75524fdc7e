import { and, count, eq, gt, lte } from 'drizzle-orm';
import type { Db } from './client';
import { type DeliveryEventType, type SuppressionReason, deliveryEvents, messages } from './schema';
import { suppress } from './suppression-store';
import { type SoftBounceRule, normalizeMessageIdHeader } from '../domain/bounce-rules';
import { emailKey } from '../domain/email-address';

export interface DeliveryEventInput {
  shopId: string;
  email: string;
  type: DeliveryEventType;
  /** sendgrid, delivery_webhook, smtp… */
  source: string;
  /** The provider's event id: the same id from the same source is stored once. */
  providerEventId?: string | null;
  /** Our Message-ID header (`<hash@domain>`), when the provider reports it: links the event to its message. */
  messageIdHeader?: string | null;
  /** `messages.id`, when the caller already knows it (a rejection at SMTP time). */
  messageId?: string | null;
  detail?: string | null;
  occurredAt: Date;
}

export type DeliveryEventOutcome =
  { status: 'duplicate' } | { status: 'recorded'; messageId: string | null; suppressed: SuppressionReason | null };

/**
 * Stores a bounce or complaint once, then applies listmonk's rules: a hard bounce or a complaint
 * suppresses the address at once, soft bounces only once `limit` of them fell within `windowMs`.
 * Event and suppression commit together, so a redelivered event never finds one without the other.
 * Stopping the address's running chains is the caller's part (app/bounces.ts).
 */
export async function storeDeliveryEvent(
  db: Db,
  { softBounces, event: input }: { softBounces: SoftBounceRule; event: DeliveryEventInput },
): Promise<DeliveryEventOutcome> {
  const email = emailKey(input.email);
  return db.transaction(async (tx) => {
    const messageId = input.messageId ?? (await messageIdFromHeader(tx, input));
    const inserted = await tx
      .insert(deliveryEvents)
      .values({
        shopId: input.shopId,
        email,
        type: input.type,
        messageId,
        source: input.source,
        providerEventId: input.providerEventId ?? null,
        detail: input.detail ?? null,
        occurredAt: input.occurredAt,
      })
      .onConflictDoNothing()
      .returning({ id: deliveryEvents.id });
    if (inserted.length === 0) return { status: 'duplicate' } as const;

    const reason = await suppressionReason(tx, softBounces, { ...input, email });
    if (reason) {
      await suppress(tx, {
        shopId: input.shopId,
        email,
        reason,
        source: input.source,
        detail: input.detail ?? null,
      });
    }
    return { status: 'recorded', messageId, suppressed: reason } as const;
  });
}

async function suppressionReason(
  db: Db,
  rule: SoftBounceRule,
  input: DeliveryEventInput & { email: string },
): Promise<SuppressionReason | null> {
  if (input.type !== 'soft_bounce') return input.type;
  // Counted over the window that ends at this bounce, so late-delivered events count where they happened.
  const windowStart = new Date(input.occurredAt.getTime() - rule.windowMs);
  const [row] = await db
    .select({ n: count() })
    .from(deliveryEvents)
    .where(
      and(
        eq(deliveryEvents.shopId, input.shopId),
        eq(deliveryEvents.email, input.email),
        eq(deliveryEvents.type, 'soft_bounce'),
        gt(deliveryEvents.occurredAt, windowStart),
        lte(deliveryEvents.occurredAt, input.occurredAt),
      ),
    );
  return (row?.n ?? 0) >= rule.limit ? 'soft_bounce' : null;
}

async function messageIdFromHeader(db: Db, input: DeliveryEventInput): Promise<string | null> {
  const header = normalizeMessageIdHeader(input.messageIdHeader);
  if (!header) return null;
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.shopId, input.shopId), eq(messages.messageIdHeader, header)))
    .limit(1);
  return row?.id ?? null;
}

/**
 * The shop of the message we sent with this Message-ID header (brackets optional), or null when
 * it names none of ours: a provider event that echoes our Message-ID belongs to that shop.
 */
export async function shopOfSentMessage(db: Db, messageIdHeader: string | null): Promise<string | null> {
  const header = normalizeMessageIdHeader(messageIdHeader);
  if (!header) return null;
  const [row] = await db
    .select({ shopId: messages.shopId })
    .from(messages)
    .where(eq(messages.messageIdHeader, header))
    .limit(1);
  return row?.shopId ?? null;
}
