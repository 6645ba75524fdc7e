import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { type UnsubscribeTarget, recordUnsubscribeEvent } from '../db/preference-store';
import { suppress } from '../db/suppression-store';
import { type ChainStopper, stopChainsOrWarn } from './chain-stopper';

export interface UnsubscribeDeps {
  db: Db;
  /** Stops running chains at once; without it the next step's re-check still skips. */
  chains?: ChainStopper;
  logger?: Pick<Logger, 'warn'>;
}

/**
 * "Unsubscribe from all marketing", however it arrives (the one-click POST, the page, a mail to
 * the List-Unsubscribe mailto): suppress the address the token's message went to, count the
 * unsubscribe against that message (campaign reports), and stop every running chain of it.
 */
export async function unsubscribeFromAll(
  deps: UnsubscribeDeps,
  target: Pick<UnsubscribeTarget, 'shopId' | 'email' | 'messageId'>,
  source: 'one_click' | 'preferences' | 'mailto',
): Promise<void> {
  await suppress(deps.db, { shopId: target.shopId, email: target.email, reason: 'unsubscribed', source });
  await recordUnsubscribeEvent(deps.db, { shopId: target.shopId, messageId: target.messageId, scope: 'all' });
  // The choice is stored and every step re-checks it before sending: a Temporal outage only warns.
  await stopChainsOrWarn(
    deps.chains,
    { shopId: target.shopId, email: target.email, reason: 'unsubscribed' },
    deps.logger,
  );
}
