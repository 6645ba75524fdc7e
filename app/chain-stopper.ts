import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { ConfigError } from '../config/env';
import type { Db } from '../db/client';
import { type PersonWorkflowsInput, runningWorkflowIdsOf } from '../db/person-workflow-store';
import { consentGivenSignal, stopChainSignal } from '../workflows/definitions';

export interface StopChainsInput extends PersonWorkflowsInput {
  /** Becomes the chain's logged stop reason: unsubscribed, hard_bounce, erased… */
  reason: string;
}

export interface ChainStopper {
  /** Signals every running chain of this address to stop; returns the workflow ids signalled. */
  stopChainsOf(input: StopChainsInput): Promise<string[]>;
  /**
   * Tells every running chain of this address that consent was given (already stored): a step
   * waiting for it within CONSENT_GRACE goes out now, not at the grace's end. Returns the ids told.
   */
  consentGivenTo(input: PersonWorkflowsInput): Promise<string[]>;
}

/**
 * Unsubscribes, bounces and erasures take effect at once: a running chain would otherwise only
 * notice at its next step (which re-checks suppressions anyway, as the safety net). Which
 * workflows may carry the address is the store's question (db/person-workflow-store.ts); this
 * service signals them.
 */
export function createChainStopper({ db, client }: { db: Db; client: Client }): ChainStopper {
  /** Signals each running workflow of the person; finished (or never started) ones are left out. */
  async function signalRunning(input: PersonWorkflowsInput, signal: (workflowId: string) => Promise<void>) {
    const signalled: string[] = [];
    for (const workflowId of await runningWorkflowIdsOf(db, input)) {
      try {
        await signal(workflowId);
        signalled.push(workflowId);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
    return signalled;
  }
  return {
    stopChainsOf: (input) =>
      signalRunning(input, (workflowId) =>
        client.workflow.getHandle(workflowId).signal(stopChainSignal, { reason: input.reason }),
      ),
    consentGivenTo: (input) =>
      signalRunning(input, (workflowId) => client.workflow.getHandle(workflowId).signal(consentGivenSignal)),
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
    // Nothing runs to be told: a step waiting for consent re-reads it at the grace's end.
    consentGivenTo: async () => [],
  };
}

/**
 * For a consent already stored: a Temporal outage only warns, since a step waiting for consent
 * re-reads it at the grace's end anyway (later, but not lost).
 */
export async function tellConsentGivenOrWarn(
  chains: ChainStopper | undefined,
  input: PersonWorkflowsInput,
  logger: Pick<Logger, 'warn'> | undefined,
): Promise<void> {
  try {
    await chains?.consentGivenTo(input);
  } catch (error) {
    logger?.warn({ err: error, shopId: input.shopId }, 'could not tell running chains that consent was given');
  }
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
