import { createDisableCartCodes } from './disable-cart-codes';
import { createFinishChain } from './finish-chain';
import { type ChainStepDeps, createRunChainStep } from './run-chain-step';

export type ActivityDeps = ChainStepDeps;

/** Builds every activity from its dependencies; only entry points pass real ones. */
export function createActivities(deps: ActivityDeps) {
  return {
    runChainStep: createRunChainStep(deps),
    finishChain: createFinishChain(deps),
    disableCartCodes: createDisableCartCodes(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { RunChainStepInput } from './run-chain-step';
