import type { Logger } from 'pino';
import type { Config } from '../config/env';
import type { Db } from '../db/client';
import { type DeliveryEventInput, type DeliveryEventOutcome, storeDeliveryEvent } from '../db/delivery-event-store';
import type { SoftBounceRule } from '../domain/bounce-rules';
import { emailKey } from '../domain/email-address';
import { type ChainStopper, stopChainsOrWarn } from './chain-stopper';

export { DEFAULT_SOFT_BOUNCE_RULE, type SoftBounceRule, normalizeMessageIdHeader } from '../domain/bounce-rules';
export type { DeliveryEventInput, DeliveryEventOutcome } from '../db/delivery-event-store';
export { smtpRejectionType } from '../domain/delivery-status';

/** SOFT_BOUNCE_LIMIT and SOFT_BOUNCE_WINDOW as one rule, for the webhooks and for SMTP-time rejections alike. */
export function softBounceRule(config: Pick<Config, 'SOFT_BOUNCE_LIMIT' | 'SOFT_BOUNCE_WINDOW'>): SoftBounceRule {
  return { limit: config.SOFT_BOUNCE_LIMIT, windowMs: config.SOFT_BOUNCE_WINDOW };
}

export interface BounceDeps {
  db: Db;
  softBounces: SoftBounceRule;
  /** Stops the address's running chains at once; without it the next step's suppression check does. */
  chains?: ChainStopper;
  logger?: Logger;
}

/**
 * A bounce or complaint, however it arrives (provider webhook, inbound DSN, SMTP-time rejection):
 * stored once with its suppression (db/delivery-event-store.ts), then the address's running
 * chains are told to stop when it was suppressed.
 */
export async function recordDeliveryEvent(deps: BounceDeps, input: DeliveryEventInput): Promise<DeliveryEventOutcome> {
  const outcome = await storeDeliveryEvent(deps.db, { softBounces: deps.softBounces, event: input });
  if (outcome.status === 'recorded' && outcome.suppressed) {
    const stop = { shopId: input.shopId, email: emailKey(input.email), reason: outcome.suppressed };
    await stopChainsOrWarn(deps.chains, stop, deps.logger);
  }
  return outcome;
}
