import { and, desc, eq, gt, inArray, lte, or, sql } from 'drizzle-orm';
import type { Order } from '../domain/events';
import { toMinorUnits } from '../domain/money';
import type { Db } from './client';
import { messages, orders, trackingEvents } from './schema';

/** Messages sent before migration 0007 carry no window: the campaigns' default, 5 days. */
const DEFAULT_WINDOW_SECONDS = 5 * 24 * 60 * 60;

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface StoreOrderInput {
  shopId: string;
  order: Order;
  customerId: number | null;
  /** When the order was placed: the payload's placedAt, else the webhook's occurredAt, else now. */
  placedAt: Date;
  eventId: string;
}

/**
 * Stores an order once (a second webhook for the same order id changes nothing) and attributes it
 * to the last human touch: the latest human click on one of the customer's marketing emails (or
 * human open, where the campaign says so) within that email's attribution window before the order.
 * An unconfirmed email (docs/exactly-once.md) that was clicked counts like a sent one.
 * Machine opens and clicks never count. Returns whether the order was new.
 */
export async function storeOrder(tx: Tx | Db, input: StoreOrderInput): Promise<boolean> {
  const { shopId, order, customerId, placedAt } = input;
  const touch = customerId === null ? undefined : await lastHumanTouch(tx, { shopId, customerId, placedAt });
  const inserted = await tx
    .insert(orders)
    .values({
      shopId,
      orderId: order.orderId,
      orderName: order.orderName ?? null,
      customerId,
      cartId: order.cartId,
      placedAt,
      currency: order.currency,
      totalMinor: toMinorUnits({ amount: order.total, currency: order.currency }),
      discountCodes: order.discountCodes ?? [],
      items: order.items ?? null,
      eventId: input.eventId,
      attributedMessageId: touch?.messageId ?? null,
      attributionTouch: touch?.touch ?? null,
      attributedTouchAt: touch?.touchedAt ?? null,
    })
    .onConflictDoNothing()
    .returning({ orderId: orders.orderId });
  return inserted.length > 0;
}

interface Touch {
  messageId: string;
  touch: 'click' | 'open';
  touchedAt: Date;
}

async function lastHumanTouch(
  tx: Tx | Db,
  { shopId, customerId, placedAt }: { shopId: string; customerId: number; placedAt: Date },
): Promise<Touch | undefined> {
  const touches = or(
    eq(trackingEvents.type, 'click'),
    and(eq(trackingEvents.type, 'open'), eq(messages.attributionTouch, 'open')),
  );
  const windowStart = sql`${placedAt.toISOString()}::timestamptz - make_interval(secs => coalesce(${messages.attributionWindowSeconds}, ${DEFAULT_WINDOW_SECONDS}))`;
  const [row] = await tx
    .select({ messageId: messages.id, touch: trackingEvents.type, touchedAt: trackingEvents.occurredAt })
    .from(messages)
    .innerJoin(
      trackingEvents,
      and(eq(trackingEvents.messageId, messages.id), eq(trackingEvents.machine, false), touches),
    )
    .where(
      and(
        eq(messages.shopId, shopId),
        eq(messages.customerId, customerId),
        eq(messages.kind, 'marketing'),
        // A human touch proves the email arrived, even one whose attempt died before recording the
        // send (still `sending`, or `unconfirmed` once its step was not sent again): it counts.
        inArray(messages.status, ['sent', 'sending', 'unconfirmed']),
        sql`coalesce(${messages.sentAt}, ${messages.claimedAt}) <= ${placedAt.toISOString()}::timestamptz`,
        lte(trackingEvents.occurredAt, placedAt),
        gt(trackingEvents.occurredAt, windowStart),
      ),
    )
    .orderBy(desc(trackingEvents.occurredAt), desc(trackingEvents.id))
    .limit(1);
  return row;
}
