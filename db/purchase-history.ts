import { and, eq, gt } from 'drizzle-orm';
import type { Db } from './client';
import { carts } from './schema';

/**
 * Has this customer bought from the shop (since `since`, when given)? An `order.placed` webhook
 * marks its cart purchased (creating the row when cartflow never saw the cart), so the carts table
 * holds every order.
 */
export async function hasPurchased(
  db: Db,
  input: { shopId: string; customerId: number; since?: Date },
): Promise<boolean> {
  const [row] = await db
    .select({ cartId: carts.cartId })
    .from(carts)
    .where(
      and(
        eq(carts.shopId, input.shopId),
        eq(carts.customerId, input.customerId),
        eq(carts.status, 'purchased'),
        input.since ? gt(carts.updatedAt, input.since) : undefined,
      ),
    )
    .limit(1);
  return row !== undefined;
}
