import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { rowsOf } from '../db/client';
import { emailKey } from '../domain/email-address';
import type { ChainStopper } from './chain-stopper';
import { type ErasePersonDeps, erasePerson } from './privacy';

/**
 * Erasing a whole shop (Shopify's `shop/redact`, 48 hours after the app is uninstalled): every
 * person any row of the shop names goes through the same erase as one person's request, so what
 * is deleted, anonymised and kept is the same rule (app/privacy.ts).
 */

export interface EraseShopResult {
  /** People erased in this call. */
  erased: number;
  /** Addresses still held afterwards (0: the shop holds no one any more). */
  remaining: number;
  /** Every address was tried; false when the time budget ran out first (call again to carry on). */
  complete: boolean;
}

/** Addresses cartflow wrote when it erased a person: they reach nobody and are not a person. */
const ERASED_DOMAIN = '@erased.invalid';

/**
 * Every address the shop's rows hold, in canonical form: customers, cart snapshots and stored
 * webhook bodies (buyers and B2B sales managers), recipients, suppressions and opt-outs.
 */
export async function addressesOfShop(db: Db, shopId: string): Promise<string[]> {
  const result = await db.execute(sql`
    select email from customers where shop_id = ${shopId}
    union select snapshot #>> '{customer,email}' from carts where shop_id = ${shopId}
    union select snapshot #>> '{customer,salesManagerEmail}' from carts where shop_id = ${shopId}
    union select payload #>> '{data,customer,email}' from cart_events where shop_id = ${shopId}
    union select payload #>> '{data,customer,salesManagerEmail}' from cart_events where shop_id = ${shopId}
    union select recipient from messages where shop_id = ${shopId}
    union select email from suppressions where shop_id = ${shopId}
    union select email from category_opt_outs where shop_id = ${shopId}
    union select email from delivery_events where shop_id = ${shopId}`);
  const keys = new Set<string>();
  for (const row of rowsOf<{ email: string | null }>(result)) {
    if (!row.email || row.email.endsWith(ERASED_DOMAIN)) continue;
    keys.add(emailKey(row.email));
  }
  return [...keys].sort();
}

/**
 * Erases people one by one until `deadline` (ms since the epoch) passes; a later call carries on
 * with whoever is left, since an erased person no longer appears in any row.
 */
export async function eraseShop(
  deps: ErasePersonDeps & { now?: () => number },
  input: { shopId: string; deadline: number },
): Promise<EraseShopResult> {
  const now = deps.now ?? Date.now;
  const addresses = await addressesOfShop(deps.db, input.shopId);
  let erased = 0;
  let tried = 0;
  for (const email of addresses) {
    // At least one person per call, so a slow database still makes progress across retries.
    if (tried > 0 && now() >= input.deadline) break;
    const result = await erasePerson(deps, { shopId: input.shopId, email });
    tried += 1;
    if (result.found) erased += 1;
  }
  const remaining = (await addressesOfShop(deps.db, input.shopId)).length;
  return { erased, remaining, complete: tried === addresses.length };
}
