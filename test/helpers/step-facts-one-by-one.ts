import { eq } from 'drizzle-orm';
import { getCartStatus, getCustomer } from '../../db/cart-store';
import { hasNewerChain, lastChainEnd, recentMarketingSends } from '../../db/chain-store';
import type { Db } from '../../db/client';
import { findActiveCode } from '../../db/discount-store';
import { findMessage } from '../../db/message-store';
import { optedOutCategories } from '../../db/preference-store';
import { hasPurchased } from '../../db/purchase-history';
import { chains } from '../../db/schema';
import type { StepFacts, StepFactsInput } from '../../db/step-facts';
import { suppressionFor } from '../../db/suppression-store';

// The chain step reads every fact in one statement (db/step-facts.ts); its tests hold it to the
// answers of the one-query-per-fact functions it replaced, which stay in db/ as the
// reference (the step no longer calls them; some have other callers).

/** The facts as the step gathered them before, one query each. */
export async function factsOneByOne(db: Db, input: StepFactsInput): Promise<StepFacts> {
  const customer = await getCustomer(db, { shopId: input.shopId, email: input.email });
  const mine = await db.select({ id: chains.workflowId }).from(chains).where(eq(chains.workflowId, input.workflowId));
  const of = customer && {
    shopId: input.shopId,
    customerId: customer.id,
    trigger: input.trigger,
    workflowId: input.workflowId,
  };
  const code = input.withLatestCode ? await findActiveCode(db, input) : undefined;
  const ended = of && input.withLastChainEnd ? await lastChainEnd(db, of) : undefined;
  return {
    customer,
    messageStatus: (await findMessage(db, input.key))?.status ?? null,
    suppression: (await suppressionFor(db, input))?.reason ?? null,
    optedOut: (await optedOutCategories(db, input)).some((category) => category === input.category),
    cartPurchased: (await getCartStatus(db, input)) === 'purchased',
    orderedSince: of ? await hasPurchased(db, { ...of, since: input.enteredAt }) : false,
    boughtBefore: of ? await hasPurchased(db, of) : false,
    chainRecorded: mine.length > 0,
    // Reading one fact at a time records nothing.
    chainStarted: false,
    newerChain: of ? await hasNewerChain(db, of) : false,
    lastOtherChainEnd: ended?.getTime() ?? null,
    recentMarketingSends: of
      ? (await recentMarketingSends(db, { ...of, since: input.sendsSince })).map((date) => date.getTime())
      : [],
    latestCode: code
      ? {
          code: code.code,
          type: code.type,
          value: code.value,
          currency: code.currency,
          expiresAt: code.expiresAt,
          status: code.status,
        }
      : null,
  };
}

/** Facts with the recent sends in one order (neither way of reading them promises one). */
export const sortedFacts = (facts: StepFacts) => ({
  ...facts,
  recentMarketingSends: [...facts.recentMarketingSends].sort(),
});
