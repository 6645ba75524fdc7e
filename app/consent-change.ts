import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { grantMarketingConsent, withdrawMarketingConsent } from '../db/cart-store';
import { type ChainStopper, stopChainsOrWarn, tellConsentGivenOrWarn } from './chain-stopper';

/** What a consent change did: the webhook answers (Shopify's and the generic one) name it. */
export type ConsentOutcome =
  /** Stored; a step waiting for it within CONSENT_GRACE goes out now. */
  | 'consent_given'
  /** Stored; the person's running chains were told to stop. */
  | 'consent_withdrawn'
  /** A withdrawal for an address not on file: stored anyway, so an older opt-in cannot undo it. */
  | 'unknown_customer'
  /** Older than the consent already stored (a late retry): nothing changed. */
  | 'superseded';

/**
 * Records a customer's marketing consent, dated by when they stated it, and tells their running
 * chains at once. The store is the truth: every step re-reads consent before it sends, so a
 * Temporal outage only warns (the chains learn of it at their next step).
 */
export async function applyConsentChange(
  deps: { db: Db; chains?: ChainStopper; logger: Pick<Logger, 'warn'> },
  input: { shopId: string; email: string; consent: boolean; statedAt: Date },
): Promise<ConsentOutcome> {
  const { shopId, email, statedAt } = input;
  const change = input.consent
    ? await grantMarketingConsent(deps.db, { shopId, email, statedAt })
    : await withdrawMarketingConsent(deps.db, { shopId, email, statedAt });
  if (!change.applied) return 'superseded';
  if (input.consent) {
    await tellConsentGivenOrWarn(deps.chains, { shopId, email }, deps.logger);
    return 'consent_given';
  }
  if (!change.known) return 'unknown_customer';
  await stopChainsOrWarn(deps.chains, { shopId, email, reason: 'consent_withdrawn' }, deps.logger);
  return 'consent_withdrawn';
}
