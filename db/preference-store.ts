import { and, eq, inArray, isNull } from 'drizzle-orm';
import { Trigger } from '../domain/campaign';
import { emailKey } from '../domain/email-address';
import { type EmailCategory, categoryOf, isEmailCategory } from '../domain/email-categories';
import type { Db } from './client';
import {
  categoryOptOuts,
  chains,
  deliveryEvents,
  messages,
  type SuppressionReason,
  suppressions,
  unsubscribeEvents,
} from './schema';

interface Address {
  shopId: string;
  email: string;
}

const sameAddress = (table: typeof suppressions | typeof categoryOptOuts, { shopId, email }: Address) =>
  and(eq(table.shopId, shopId), eq(table.email, emailKey(email)));

/** "Just this kind of email": records opt-outs of these categories (idempotent). */
export async function optOut(db: Db, input: Address & { categories: EmailCategory[] }): Promise<void> {
  if (input.categories.length === 0) return;
  const email = emailKey(input.email);
  await db
    .insert(categoryOptOuts)
    .values(input.categories.map((category) => ({ shopId: input.shopId, email, category })))
    .onConflictDoNothing();
}

export async function optedOutCategories(db: Db, input: Address): Promise<EmailCategory[]> {
  const rows = await db
    .select({ category: categoryOptOuts.category })
    .from(categoryOptOuts)
    .where(sameAddress(categoryOptOuts, input));
  return rows.map((row) => row.category).filter(isEmailCategory);
}

/** Reasons the recipient cannot lift themselves: the address bounced or reported spam, or an operator blocked it. */
const BLOCKING_EVENTS = ['hard_bounce', 'complaint'] as const;

/**
 * Undoes the recipient's own choices: the `unsubscribed` suppression and every category opt-out.
 * A bounce, complaint or manual suppression stays. Because a suppression keeps its first reason,
 * an address that unsubscribed and bounced later is listed as `unsubscribed`: the bounce is
 * looked up in delivery_events and takes the suppression's place. Returns what still blocks mail.
 */
export async function resubscribe(db: Db, input: Address): Promise<SuppressionReason | undefined> {
  const email = emailKey(input.email);
  return db.transaction(async (tx) => {
    await tx.delete(categoryOptOuts).where(sameAddress(categoryOptOuts, input));
    await tx.delete(suppressions).where(and(sameAddress(suppressions, input), eq(suppressions.reason, 'unsubscribed')));
    const [remaining] = await tx
      .select({ reason: suppressions.reason })
      .from(suppressions)
      .where(sameAddress(suppressions, input));
    if (remaining) return remaining.reason;
    const [event] = await tx
      .select({ type: deliveryEvents.type })
      .from(deliveryEvents)
      .where(
        and(
          eq(deliveryEvents.shopId, input.shopId),
          eq(deliveryEvents.email, email),
          inArray(deliveryEvents.type, [...BLOCKING_EVENTS]),
        ),
      )
      .limit(1);
    if (!event) return undefined;
    await tx
      .insert(suppressions)
      .values({
        shopId: input.shopId,
        email,
        reason: event.type,
        source: 'resubscribe',
        detail: 'kept after resubscribe',
      })
      .onConflictDoNothing();
    return event.type;
  });
}

/** Who an unsubscribe link is about: the message row its token names. */
export interface UnsubscribeTarget extends Address {
  /** The email whose link was used. */
  messageId: string;
  /** The locale the email was rendered in. */
  locale: string | null;
  kind: 'marketing' | 'internal';
  /** The category of the message's campaign; unknown for an email outside a campaign. */
  category: EmailCategory | undefined;
}

/** Undefined for an unknown message or one whose recipient was erased. */
export async function unsubscribeTargetOf(db: Db, messageId: string): Promise<UnsubscribeTarget | undefined> {
  const [message] = await db
    .select({
      shopId: messages.shopId,
      recipient: messages.recipient,
      locale: messages.locale,
      kind: messages.kind,
      campaignId: messages.campaignId,
      // The chain that sent it knows the trigger: read by its key, where any chain of the campaign
      // (below) is found by scanning chains (its generic plan reads them all for a new campaign).
      trigger: chains.trigger,
    })
    .from(messages)
    .leftJoin(chains, eq(chains.workflowId, messages.workflowId))
    .where(eq(messages.id, messageId));
  if (!message?.recipient) return undefined;
  const category = message.trigger
    ? categoryOfTrigger(message.trigger)
    : message.campaignId
      ? await categoryOfCampaign(db, message.shopId, message.campaignId)
      : undefined;
  return {
    messageId,
    shopId: message.shopId,
    email: message.recipient,
    locale: message.locale,
    kind: message.kind,
    category,
  };
}

/** A message whose recipient was erased (`privacy erase`): its language, to say so in it. */
export async function erasedMessageOf(db: Db, messageId: string): Promise<{ locale: string | null } | undefined> {
  const [message] = await db
    .select({ locale: messages.locale })
    .from(messages)
    .where(and(eq(messages.id, messageId), isNull(messages.recipient)));
  return message;
}

/**
 * Counts an unsubscribe or category opt-out against the email whose link was used (for the
 * campaign reports). It holds no address, so an erasure leaves the count.
 */
export async function recordUnsubscribeEvent(
  db: Db,
  input: { shopId: string; messageId: string; scope: 'all' | 'category' },
): Promise<void> {
  await db.insert(unsubscribeEvents).values(input);
}

/**
 * For a message without its chain's row: messages name a campaign, chains know its trigger (every
 * chain of a campaign has the same one).
 */
async function categoryOfCampaign(db: Db, shopId: string, campaignId: string): Promise<EmailCategory | undefined> {
  const [chain] = await db
    .select({ trigger: chains.trigger })
    .from(chains)
    .where(and(eq(chains.shopId, shopId), eq(chains.campaignId, campaignId)))
    .limit(1);
  return categoryOfTrigger(chain?.trigger);
}

function categoryOfTrigger(stored: string | undefined): EmailCategory | undefined {
  const trigger = Trigger.safeParse(stored);
  return trigger.success ? categoryOf(trigger.data) : undefined;
}
