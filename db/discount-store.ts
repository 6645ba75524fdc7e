import { and, asc, desc, eq, getTableColumns, gt, gte, inArray, sql } from 'drizzle-orm';
import type { Db } from './client';
import { normalizeCode } from '../domain/discount-code';
import { discountCodes } from './schema';

export type DiscountCodeRow = typeof discountCodes.$inferSelect;
export type NewDiscountCode = typeof discountCodes.$inferInsert;

export async function findCodeByKey(db: Db, key: string): Promise<DiscountCodeRow | undefined> {
  const [row] = await db.select().from(discountCodes).where(eq(discountCodes.key, key));
  return row;
}

/**
 * Inserts unless a code with the same key exists; returns the row that holds the key. Prepared: an
 * incentive step runs it on every chain (db/message-store.ts claimSend says why).
 */
export async function insertCode(db: Db, code: NewDiscountCode): Promise<DiscountCodeRow> {
  const [inserted] = await db
    .insert(discountCodes)
    .values(code)
    .onConflictDoNothing()
    .returning()
    .prepare('cartflow_insert_code')
    .execute();
  if (inserted) return inserted;
  const existing = await findCodeByKey(db, code.key);
  if (existing) return existing;
  // The conflict was on the code itself (a random collision): the caller draws another one.
  throw new CodeCollisionError();
}

export class CodeCollisionError extends Error {
  override name = 'CodeCollisionError';
}

export async function setExternalId(db: Db, input: { key: string; externalId: string }): Promise<void> {
  await db.update(discountCodes).set({ externalId: input.externalId }).where(eq(discountCodes.key, input.key));
}

export async function activeCodesOfCart(db: Db, input: { shopId: string; cartId: string }): Promise<DiscountCodeRow[]> {
  return db
    .select()
    .from(discountCodes)
    .where(
      and(
        eq(discountCodes.shopId, input.shopId),
        eq(discountCodes.cartId, input.cartId),
        eq(discountCodes.status, 'active'),
      ),
    );
}

export async function markDisabled(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(discountCodes)
    .set({ status: 'disabled', disabledAt: sql`now()` })
    .where(and(inArray(discountCodes.id, ids), eq(discountCodes.status, 'active')));
}

/**
 * Codes named in an order are used: never offered again. The order is recorded unless the
 * checkout API already recorded one, so the checkout's repeated redeem by that order stays a no-op.
 * An order names a code as the customer typed it: matched as written and, as the checkout API
 * matches (normalizeCode), upper-cased, which is how built-in codes are stored.
 */
export async function markUsed(db: Db, input: { shopId: string; codes: string[]; orderId?: string }): Promise<void> {
  if (input.codes.length === 0) return;
  const codes = [...new Set(input.codes.flatMap((code) => [code, normalizeCode(code)]))];
  await db
    .update(discountCodes)
    .set({
      status: 'used',
      usedAt: sql`now()`,
      usedByOrderId: sql`coalesce(${discountCodes.usedByOrderId}, ${input.orderId ?? null})`,
    })
    .where(and(eq(discountCodes.shopId, input.shopId), inArray(discountCodes.code, codes)));
}

/** The cart's newest code, whatever its state (the caller offers it only while active). */
export async function findActiveCode(
  db: Db,
  input: { shopId: string; cartId: string },
): Promise<DiscountCodeRow | undefined> {
  const [row] = await db
    .select()
    .from(discountCodes)
    .where(and(eq(discountCodes.shopId, input.shopId), eq(discountCodes.cartId, input.cartId)))
    .orderBy(desc(discountCodes.createdAt))
    .limit(1);
  return row;
}

/** A built-in code (case as stored), with `expired` by the database's clock. */
export type CheckoutCodeRow = DiscountCodeRow & { expired: boolean };

/**
 * One of cartflow's own codes, by its (normalised) text. Codes kept by the shop's API are not
 * answered here: the shop's own discount system is their authority.
 */
export async function findBuiltinCode(
  db: Db,
  input: { shopId: string; code: string },
): Promise<CheckoutCodeRow | undefined> {
  const [row] = await db
    .select({ ...getTableColumns(discountCodes), expired: sql<boolean>`${discountCodes.expiresAt} <= now()` })
    .from(discountCodes)
    .where(builtinCode(input));
  return row;
}

/**
 * Marks a live built-in code used by `orderId` in one statement: of two concurrent redeems, the
 * second waits for the first's row lock, re-checks `status = 'active'` and matches nothing.
 * Undefined when the code is not live (unknown, used, disabled or expired).
 */
export async function redeemBuiltinCode(
  db: Db,
  input: { shopId: string; code: string; orderId: string },
): Promise<DiscountCodeRow | undefined> {
  const [row] = await db
    .update(discountCodes)
    .set({ status: 'used', usedAt: sql`now()`, usedByOrderId: input.orderId })
    .where(and(builtinCode(input), eq(discountCodes.status, 'active'), gt(discountCodes.expiresAt, sql`now()`)))
    .returning();
  return row;
}

const builtinCode = (input: { shopId: string; code: string }) =>
  and(eq(discountCodes.shopId, input.shopId), eq(discountCodes.code, input.code), eq(discountCodes.source, 'builtin'));

export interface CodeListOptions {
  shopId: string;
  source: DiscountCodeRow['source'];
  status?: DiscountCodeRow['status'];
  /** Codes created at or after this instant. */
  createdSince?: Date;
}

/** A shop's codes, oldest first: what a bulk export hands to the shop. */
export async function listCodes(db: Db, options: CodeListOptions): Promise<DiscountCodeRow[]> {
  return db
    .select()
    .from(discountCodes)
    .where(
      and(
        eq(discountCodes.shopId, options.shopId),
        eq(discountCodes.source, options.source),
        options.status ? eq(discountCodes.status, options.status) : undefined,
        options.createdSince ? gte(discountCodes.createdAt, options.createdSince) : undefined,
      ),
    )
    .orderBy(asc(discountCodes.createdAt), asc(discountCodes.code));
}
