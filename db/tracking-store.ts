import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Db } from './client';
import { messages, trackingEvents } from './schema';

export interface TrackedMessage {
  shopId: string;
  /** The email's original URLs; a click token's index points into this list. */
  links: string[];
  sentAt: Date | null;
  /**
   * The database's clock, read with the row: `sent_at` is the database's too, so "2 seconds after
   * the send" never depends on how far the web server's clock is off.
   */
  now: Date;
  /** Its recipient was erased (`privacy erase`): nothing more is recorded about whoever reads it. */
  erased: boolean;
  /** The email's language, to answer in it. */
  locale: string | null;
}

export interface NewTrackingEvent {
  shopId: string;
  messageId: string;
  type: 'open' | 'click';
  linkIndex: number | null;
  occurredAt: Date;
  userAgent: string | null;
  ipPrefix: string | null;
  machine: boolean;
  machineReason: string | null;
}

export interface StoredClick {
  id: number;
  linkIndex: number;
  occurredAt: Date;
}

export async function findTrackedMessage(db: Db, messageId: string): Promise<TrackedMessage | undefined> {
  const [row] = await db
    .select({
      shopId: messages.shopId,
      links: messages.links,
      sentAt: messages.sentAt,
      now: sql`now()`.mapWith(messages.sentAt),
      recipient: messages.recipient,
      locale: messages.locale,
    })
    .from(messages)
    .where(eq(messages.id, messageId));
  if (!row) return undefined;
  const { recipient, ...message } = row;
  return { ...message, links: row.links ?? [], now: row.now as Date, erased: recipient === null };
}

export async function insertOpen(db: Db, event: NewTrackingEvent): Promise<void> {
  await db.insert(trackingEvents).values(event);
}

/**
 * Stores a click decided by `decide`, which sees the message's clicks since `since`. The message's
 * advisory lock serialises clicks of one message, so a scanner following all links at once cannot
 * slip its clicks past each other; `markMachine` names earlier clicks that turned out to be a burst.
 */
export async function insertClick(
  db: Db,
  { messageId, since }: { messageId: string; since: Date },
  decide: (recent: StoredClick[]) => { event: NewTrackingEvent; markMachine: number[]; reason: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`tracking:${messageId}`}, 0))`);
    const recent = await tx
      .select({ id: trackingEvents.id, linkIndex: trackingEvents.linkIndex, occurredAt: trackingEvents.occurredAt })
      .from(trackingEvents)
      .where(
        and(
          eq(trackingEvents.messageId, messageId),
          eq(trackingEvents.type, 'click'),
          gte(trackingEvents.occurredAt, since),
        ),
      );
    const { event, markMachine, reason } = decide(
      recent.map((click) => ({ ...click, linkIndex: click.linkIndex ?? -1 })),
    );
    await tx.insert(trackingEvents).values(event);
    if (markMachine.length === 0) return;
    // An earlier click already judged a machine keeps its first reason.
    await tx
      .update(trackingEvents)
      .set({ machine: true, machineReason: reason })
      .where(and(inArray(trackingEvents.id, markMachine), eq(trackingEvents.machine, false)));
  });
}
