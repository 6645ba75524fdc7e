import { and, desc, eq, gt, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import { getCartStatus } from './cart-store';
import { hasPurchased } from './purchase-history';
import type { Db } from './client';
import { updateChainEnd } from './message-statements';
import { chains, messages } from './schema';

export interface ChainEntry {
  workflowId: string;
  shopId: string;
  customerId: number | null;
  cartId: string | null;
  trigger: string;
  campaignId: string;
  campaignVersion: number;
  segment: string;
  arm?: 'holdout' | 'treated' | null;
  variants?: Record<string, string>;
  currency?: string | null;
  conversionUntil?: Date | null;
}

/**
 * Records that a chain started (idempotent: a retried first step finds its own row). Start and end
 * run once per chain step: prepared, like the step's other statements (db/message-store.ts claimSend).
 */
export async function recordChainStart(db: Db, entry: ChainEntry): Promise<void> {
  await db.insert(chains).values(entry).onConflictDoNothing().prepare('cartflow_chain_start').execute();
}

export async function recordChainEnd(db: Db, input: { workflowId: string; outcome: string }): Promise<void> {
  await updateChainEnd(db, input);
}

interface OtherChainsInput {
  shopId: string;
  customerId: number;
  trigger: string;
  /** This chain, left out. */
  workflowId: string;
}

/** The customer's chains of the same trigger, other than this one. */
function otherChainsOf(input: OtherChainsInput) {
  return and(
    eq(chains.shopId, input.shopId),
    eq(chains.customerId, input.customerId),
    eq(chains.trigger, input.trigger),
    ne(chains.workflowId, input.workflowId),
  );
}

/** When this customer's latest other chain of this trigger ended (for the re-entry cooldown). */
export async function lastChainEnd(db: Db, input: OtherChainsInput): Promise<Date | undefined> {
  const [row] = await db
    .select({ finishedAt: chains.finishedAt })
    .from(chains)
    .where(and(otherChainsOf(input), isNotNull(chains.finishedAt)))
    .orderBy(desc(chains.finishedAt))
    .limit(1);
  return row?.finishedAt ?? undefined;
}

/** True when the customer has another chain of this trigger that started after this one. */
export async function hasNewerChain(db: Db, input: OtherChainsInput): Promise<boolean> {
  const mine = db.select({ startedAt: chains.startedAt }).from(chains).where(eq(chains.workflowId, input.workflowId));
  const [row] = await db
    .select({ workflowId: chains.workflowId })
    .from(chains)
    .where(and(otherChainsOf(input), gt(chains.startedAt, sql`(${mine})`)))
    .limit(1);
  return row !== undefined;
}

/**
 * When marketing emails went to this customer recently (any campaign), for frequency caps. An
 * unconfirmed one may have reached them, so it counts, at the time its attempt claimed it.
 */
export async function recentMarketingSends(
  db: Db,
  input: { shopId: string; customerId: number; since: Date },
): Promise<Date[]> {
  const rows = await db
    .select({ sentAt: sql<Date>`coalesce(${messages.sentAt}, ${messages.claimedAt})`.mapWith(messages.claimedAt) })
    .from(messages)
    .where(
      and(
        eq(messages.shopId, input.shopId),
        eq(messages.customerId, input.customerId),
        inArray(messages.status, ['sent', 'unconfirmed']),
        eq(messages.kind, 'marketing'),
        sql`coalesce(${messages.sentAt}, ${messages.claimedAt}) > ${input.since.toISOString()}::timestamptz`,
      ),
    );
  return rows.flatMap((row) => (row.sentAt ? [row.sentAt] : []));
}

/** Has this customer ordered since `since` (the cart itself, or any order in the attribution window)? */
export async function orderedSince(
  db: Db,
  input: { shopId: string; cartId: string; customerId: number | null; since: Date },
): Promise<boolean> {
  if ((await getCartStatus(db, input)) === 'purchased') return true;
  if (input.customerId === null) return false;
  return hasPurchased(db, { shopId: input.shopId, customerId: input.customerId, since: input.since });
}
