import type { StepFacts } from '../db/step-facts';
import type { Campaign } from '../domain/campaign';
import { type ConsentPolicy, mayReceiveMarketing, purchaseHistoryMatters } from '../domain/consent';
import type { SendFacts } from '../domain/eligibility';
import type { Cart } from '../domain/events';

/** What the eligibility rules need, from the step's one read of the database and the cart. */
export function sendFactsOf(
  facts: StepFacts,
  { cart, campaign, policy }: { cart: Cart; campaign: Pick<Campaign, 'trigger'>; policy: ConsentPolicy },
): SendFacts {
  // The latest webhook's consent wins over the snapshot this chain started with (withdrawn since?).
  const explicitConsent = facts.customer?.marketingConsent ?? cart.customer.marketingConsent;
  const consent = { policy, explicitConsent };
  return {
    purchased: facts.cartPurchased || facts.orderedSince,
    // Only a cart can be emptied; a welcome series has no items to begin with.
    cartEmptied: campaign.trigger === 'cart.abandoned' && cart.items.length === 0,
    newerCart: facts.newerChain,
    // "Just this kind of email" counts as unsubscribed for this campaign's category only.
    unsubscribed: facts.suppression === 'unsubscribed' || facts.optedOut,
    // Bounced, complained, or blocked by an operator.
    suppressed: facts.suppression !== null && facts.suppression !== 'unsubscribed',
    marketingConsent: mayReceiveMarketing({
      ...consent,
      boughtBefore: purchaseHistoryMatters(consent) && facts.boughtBefore,
    }),
    timeZone: cart.customer.timeZone,
    previousMarketingSends: facts.recentMarketingSends,
  };
}
