import { and, eq, gt } from 'drizzle-orm';
import type { Db } from './client';
import { orders } from './schema';

/**
 * Has this customer ordered from the shop (placed after `since`, when given)? Reads the orders
 * table: a cart's timestamps say when the shop last touched the cart, not when anyone bought.
 */
export async function hasPurchased(
  db: Db,
  input: { shopId: string; customerId: number; since?: Date },
): Promise<boolean> {
  const [row] = await db
    .select({ orderId: orders.orderId })
    .from(orders)
    .where(
      and(
        eq(orders.shopId, input.shopId),
        eq(orders.customerId, input.customerId),
        input.since ? gt(orders.placedAt, input.since) : undefined,
      ),
    )
    .limit(1);
  return row !== undefined;
}
