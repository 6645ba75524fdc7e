import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { ConfigError } from '../config/env';
import type { Db } from '../db/client';
import { type PersonWorkflowsInput, runningWorkflowIdsOf } from '../db/person-workflow-store';
import { stopChainSignal } from '../workflows/definitions';

export interface StopChainsInput extends PersonWorkflowsInput {
  /** Becomes the chain's logged stop reason: unsubscribed, hard_bounce, erased… */
  reason: string;
}

export interface ChainStopper {
  /** Signals every running chain of this address to stop; returns the workflow ids signalled. */
  stopChainsOf(input: StopChainsInput): Promise<string[]>;
}

/**
 * Unsubscribes, bounces and erasures take effect at once: a running chain would otherwise only
 * notice at its next step (which re-checks suppressions anyway, as the safety net). Which
 * workflows may carry the address is the store's question (db/person-workflow-store.ts); this
 * service signals them.
 */
export function createChainStopper({ db, client }: { db: Db; client: Client }): ChainStopper {
  return {
    async stopChainsOf(input) {
      const ids = await runningWorkflowIdsOf(db, input);
      const signalled: string[] = [];
      for (const workflowId of ids) {
        try {
          await client.workflow.getHandle(workflowId).signal(stopChainSignal, { reason: input.reason });
          signalled.push(workflowId);
        } catch (error) {
          // Finished (or never started) workflows have nothing left to stop.
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }
      return signalled;
    },
  };
}

/**
 * For an erase with no Temporal running: a person none of whose workflows runs needs none, so the
 * erase goes ahead; one with running workflows is refused before anything is erased (erasePerson
 * stops chains first), because those workflows resume with the address when their server starts.
 */
export function createNoTemporalChainStopper({ db, hint }: { db: Db; hint: string }): ChainStopper {
  return {
    async stopChainsOf(input) {
      const running = await runningWorkflowIdsOf(db, input);
      if (running.size === 0) return [];
      throw new ConfigError(
        `nothing erased: this person has ${running.size} running workflow(s) to stop first, and ${hint}`,
      );
    },
  };
}

/**
 * For callers whose own change is already committed (an unsubscribe, a bounce): a Temporal outage
 * must not fail them, because every step re-checks suppressions and opt-outs before it sends.
 * An erasure has no such net and calls `stopChainsOf` directly, failing when it fails.
 */
export async function stopChainsOrWarn(
  chains: ChainStopper | undefined,
  input: StopChainsInput,
  logger: Pick<Logger, 'warn'> | undefined,
): Promise<void> {
  try {
    await chains?.stopChainsOf(input);
  } catch (error) {
    logger?.warn({ err: error, shopId: input.shopId }, 'could not signal running chains to stop');
  }
}
