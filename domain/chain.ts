import type { Campaign } from './campaign';
import type { DeferReason, SkipReason } from './eligibility';

/**
 * The campaign a chain entered with, kept in workflow state so a running chain never changes
 * version. Chains entered before experiments existed lack their settings.
 */
export type PinnedCampaign = Omit<Campaign, 'attributionTouch' | 'experiment' | 'freshFor'> &
  Partial<Pick<Campaign, 'attributionTouch' | 'experiment' | 'freshFor'>>;

export type ChainStepResult =
  | { status: 'sent' | 'already_sent' }
  | { status: 'skipped'; reason: SkipReason | 'cooldown'; endChain: boolean }
  /** The step could not be sent within the campaign's freshness window; the chain moves on. */
  | { status: 'skipped'; reason: 'expired'; endChain: false }
  | { status: 'deferred'; until: number; reason: DeferReason };

/** How a chain ended; the workflow's result and the `outcome` of its row. */
export type ChainOutcome =
  | 'completed'
  | 'purchased'
  | 'emptied'
  | 'newer_cart'
  | 'unsubscribed'
  | 'suppressed'
  | 'cooldown'
  | 'no_campaign'
  | 'stopped'
  /** A step failed for good (e.g. the address was refused); see the message row. */
  | 'failed';

/** The outcome a skipped step that ends the chain stands for. */
export function outcomeOfSkip(reason: SkipReason | 'cooldown'): ChainOutcome {
  switch (reason) {
    case 'purchased':
      return 'purchased';
    case 'empty_cart':
      return 'emptied';
    case 'newer_cart':
      return 'newer_cart';
    case 'unsubscribed':
      return 'unsubscribed';
    case 'suppressed':
      return 'suppressed';
    case 'cooldown':
      return 'cooldown';
    default:
      return 'stopped';
  }
}
