import { log } from '@temporalio/activity';
import { recordChainEnd } from '../db/chain-store';
import { resolveLeftClaims } from '../db/message-store';
import { createDisableCartCodes, type DisableCartCodesDeps } from './disable-cart-codes';

export interface FinishChainInput {
  workflowId: string;
  shopId: string;
  cartId: string;
  outcome: string;
}

/**
 * A chain that ends early (order, emptied cart, stop): settle the sends its steps left unfinished
 * (a local step that died mid-send is not run again when the replay meets the exit first), record
 * the end, and disable the cart's live codes.
 */
export function createFinishChain(deps: DisableCartCodesDeps) {
  const disableCartCodes = createDisableCartCodes(deps);
  return async function finishChain(input: FinishChainInput): Promise<void> {
    const left = await resolveLeftClaims(deps.db, { workflowId: input.workflowId, reason: input.outcome });
    if (left.unconfirmed > 0)
      log.warn('chain ended with a send its dead attempt may have made: recorded unconfirmed', {
        cartId: input.cartId,
        outcome: input.outcome,
        unconfirmed: left.unconfirmed,
      });
    await recordChainEnd(deps.db, { workflowId: input.workflowId, outcome: input.outcome });
    const disabled = await disableCartCodes({ shopId: input.shopId, cartId: input.cartId });
    log.info('chain finished', { cartId: input.cartId, outcome: input.outcome, codesDisabled: disabled });
  };
}
