import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { carts, chains, customers } from '../db/schema';
import type { Trigger } from '../domain/campaign';
import { cartWorkflowId } from '../domain/ids';
import { stopChainSignal } from '../workflows/definitions';

export interface StopChainsInput {
  shopId: string;
  email: string;
  /** Only chains of these triggers (a category opt-out); all when absent. */
  triggers?: Trigger[];
  /** Becomes the chain's logged stop reason: unsubscribed, hard_bounce, erased… */
  reason: string;
}

export interface ChainStopper {
  /** Signals every running chain of this address to stop; returns the workflow ids signalled. */
  stopChainsOf(input: StopChainsInput): Promise<string[]>;
}

/**
 * Unsubscribes, bounces and erasures take effect at once: a running chain would otherwise only
 * notice at its next step (which re-checks suppressions anyway, as the safety net).
 */
export function createChainStopper({ db, client }: { db: Db; client: Client }): ChainStopper {
  return {
    async stopChainsOf({ shopId, email, triggers, reason }) {
      const [customer] = await db
        .select({ id: customers.id })
        .from(customers)
        .where(and(eq(customers.shopId, shopId), eq(customers.email, email.toLowerCase())));
      if (!customer) return [];
      const running = await db
        .select({ workflowId: chains.workflowId })
        .from(chains)
        .where(
          and(
            eq(chains.shopId, shopId),
            eq(chains.customerId, customer.id),
            eq(chains.status, 'active'),
            ...(triggers ? [inArray(chains.trigger, triggers)] : []),
          ),
        );
      // A cart still waiting for abandonment has no chain row yet, but its workflow is running.
      const waitingCarts =
        triggers && !triggers.includes('cart.abandoned')
          ? []
          : await db
              .select({ cartId: carts.cartId })
              .from(carts)
              .where(and(eq(carts.shopId, shopId), eq(carts.customerId, customer.id), eq(carts.status, 'open')));
      const ids = new Set([
        ...running.map((row) => row.workflowId),
        ...waitingCarts.map((row) => cartWorkflowId({ shopId, cartId: row.cartId })),
      ]);
      const signalled: string[] = [];
      for (const workflowId of ids) {
        try {
          await client.workflow.getHandle(workflowId).signal(stopChainSignal, { reason });
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
