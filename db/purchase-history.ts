import { and, eq } from 'drizzle-orm';
import type { Db } from './client';
import { carts } from './schema';

/**
 * Has this customer ever bought from the shop? An `order.placed` webhook marks its cart purchased
 * (creating the row when cartflow never saw the cart), so the carts table holds every order.
 */
export async function hasPurchased(db: Db, input: { shopId: string; customerId: number }): Promise<boolean> {
  const [row] = await db
    .select({ cartId: carts.cartId })
    .from(carts)
    .where(and(eq(carts.shopId, input.shopId), eq(carts.customerId, input.customerId), eq(carts.status, 'purchased')))
    .limit(1);
  return row !== undefined;
}
