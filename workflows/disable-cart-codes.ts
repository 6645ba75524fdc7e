import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DisableCartCodesInput } from '../activities/disable-cart-codes';
import { CHAIN_ACTIVITY_ATTEMPT_MS } from '../domain/activity-timeouts';

const { disableCartCodes } = proxyActivities<Activities>({
  startToCloseTimeout: CHAIN_ACTIVITY_ATTEMPT_MS,
  // No maximum of attempts: a code left live costs the shop money, so an outage of the shop's
  // discount API delays the disabling and never drops it.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * An order for a cart whose chain is no longer running (it completed, or ended on a skip, before
 * the customer bought): disables the codes the chain left live, as the chain's own end would have.
 * Started by the outbox relay (server/cart-workflows.ts); returns how many codes it disabled.
 */
export async function disableCartCodesWorkflow(input: DisableCartCodesInput): Promise<number> {
  return disableCartCodes(input);
}
