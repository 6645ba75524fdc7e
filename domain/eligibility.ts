import type { CampaignStep, ExitRules } from './campaign';
import { checkFrequency, type FrequencyLimits } from './frequency';
import { endOfQuietHours, type QuietWindow } from './quiet-hours';

export type SkipReason =
  | 'purchased'
  | 'empty_cart'
  | 'newer_cart'
  | 'suppressed'
  | 'unsubscribed'
  | 'no_consent'
  | 'frequency_cap'
  /** The customer is in the campaign's holdout group: no email, only counted. */
  | 'holdout';

/** What is true right before a step goes out; the caller gathers it from the database and the cart. */
export interface SendFacts {
  /** An order for this cart, or for this customer within the attribution window. */
  purchased: boolean;
  cartEmptied: boolean;
  /** A newer cart of the same customer started its own chain. */
  newerCart: boolean;
  unsubscribed: boolean;
  /** On the suppression list (hard bounce, complaint). */
  suppressed: boolean;
  marketingConsent: boolean;
  /** The recipient's IANA time zone. */
  timeZone: string;
  /** When earlier marketing emails went to this recipient, from any campaign. */
  previousMarketingSends: readonly number[];
  /** In the campaign's holdout group (absent: not). */
  holdout?: boolean;
  /**
   * Until when (epoch ms) a step without consent waits for it rather than being skipped: the chain's
   * start plus CONSENT_GRACE. A shop may report consent just after the event that started the chain
   * (Shopify's consent webhook after customers/create), and a welcome due at once would be lost.
   */
  awaitConsentUntil?: number;
}

export interface SendPolicy {
  exit: ExitRules;
  frequency: FrequencyLimits;
  quietHours: QuietWindow | null;
}

export interface DecideSendInput {
  now: number;
  step: Pick<CampaignStep, 'kind'>;
  policy: SendPolicy;
  facts: SendFacts;
}

export type DeferReason = 'frequency_cap' | 'quiet_hours' | 'awaiting_consent';

export type SendDecision =
  | { action: 'send' }
  | { action: 'defer'; until: number; reason: DeferReason }
  /** `endChain`: an exit rule applies, so no later step should run either. */
  | { action: 'skip'; reason: SkipReason; endChain: boolean };

/**
 * The full re-check before a campaign step: exit rules first, then the recipient's standing
 * (suppressed, unsubscribed, consent), then the frequency cap and quiet hours, which defer.
 * A notify_manager step goes to the shop's own staff, so only the exit rules apply to it.
 */
export function decideSend({ now, step, policy, facts }: DecideSendInput): SendDecision {
  const { exit } = policy;
  if (exit.purchased && facts.purchased) return endChain('purchased');
  if (exit.cartEmptied && facts.cartEmptied) return endChain('empty_cart');
  if (exit.newerCart && facts.newerCart) return endChain('newer_cart');
  if (step.kind === 'notify_manager') return { action: 'send' };
  // Holdout: exits still end the chain as for everyone, but no email goes to the customer.
  if (facts.holdout) return { action: 'skip', reason: 'holdout', endChain: false };

  // Never mail someone who opted out; the exit rule only decides whether later steps still run.
  if (facts.suppressed) return { action: 'skip', reason: 'suppressed', endChain: exit.unsubscribed };
  if (facts.unsubscribed) return { action: 'skip', reason: 'unsubscribed', endChain: exit.unsubscribed };
  if (!facts.marketingConsent) {
    const { awaitConsentUntil } = facts;
    if (awaitConsentUntil !== undefined && now < awaitConsentUntil) {
      return { action: 'defer', until: awaitConsentUntil, reason: 'awaiting_consent' };
    }
    return { action: 'skip', reason: 'no_consent', endChain: false };
  }

  const frequency = checkFrequency({ now, previousSends: facts.previousMarketingSends, limits: policy.frequency });
  if (frequency.action === 'skip') return { action: 'skip', reason: 'frequency_cap', endChain: false };
  const notBefore = frequency.action === 'defer' ? frequency.until : now;
  const until = endOfQuietHours({ at: notBefore, timeZone: facts.timeZone, quietHours: policy.quietHours });
  if (until === now) return { action: 'send' };
  return { action: 'defer', until, reason: until === notBefore ? 'frequency_cap' : 'quiet_hours' };
}

function endChain(reason: SkipReason): SendDecision {
  return { action: 'skip', reason, endChain: true };
}
