import { eq, sql } from 'drizzle-orm';
import type { Db } from './client';
import { messages, type MessageStatus } from './schema';

export interface ClaimSendInput {
  key: string;
  shopId: string;
  cartId: string;
  customerId: number | null;
  step: string;
  templateId: string;
  templateVersion: string;
  messageIdHeader: string;
  kind?: 'marketing' | 'internal';
  recipientRole?: 'customer' | 'manager';
  campaignId?: string | null;
  campaignVersion?: number | null;
  segment?: string | null;
  reason?: string;
}

export type ClaimResult =
  /** This attempt owns the send (first attempt, or a previous attempt died before recording it). */
  | { owned: true }
  /** The send already reached a final state. */
  | { owned: false; status: Exclude<MessageStatus, 'sending'>; reason: string | null };

/** Writes the unique message row before any SMTP traffic: the guard against sending twice. */
export async function claimSend(db: Db, input: ClaimSendInput): Promise<ClaimResult> {
  const inserted = await db
    .insert(messages)
    .values({ ...input, status: 'sending' })
    .onConflictDoNothing({ target: messages.key })
    .returning({ id: messages.id });
  if (inserted.length > 0) return { owned: true };
  const [existing] = await db
    .select({ status: messages.status, reason: messages.reason })
    .from(messages)
    .where(eq(messages.key, input.key));
  if (!existing || existing.status === 'sending') return { owned: true };
  return { owned: false, status: existing.status, reason: existing.reason };
}

export async function recordSkipped(
  db: Db,
  input: Omit<ClaimSendInput, 'templateVersion' | 'messageIdHeader'> & { reason: string },
): Promise<void> {
  await db
    .insert(messages)
    .values({ ...input, templateVersion: '-', messageIdHeader: '-', status: 'skipped' })
    .onConflictDoNothing({ target: messages.key });
}

export async function recordSent(db: Db, input: { key: string; smtpResponse: string }): Promise<void> {
  await db
    .update(messages)
    .set({ status: 'sent', smtpResponse: input.smtpResponse, sentAt: sql`now()` })
    .where(eq(messages.key, input.key));
}

export async function recordFailed(db: Db, input: { key: string; reason: string }): Promise<void> {
  await db.update(messages).set({ status: 'failed', reason: input.reason }).where(eq(messages.key, input.key));
}

/** The state of one send, if it was attempted before (a retried or re-run step). */
export async function findMessage(
  db: Db,
  key: string,
): Promise<{ status: MessageStatus; reason: string | null } | undefined> {
  const [row] = await db
    .select({ status: messages.status, reason: messages.reason })
    .from(messages)
    .where(eq(messages.key, key));
  return row;
}
