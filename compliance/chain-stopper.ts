import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { mayHoldAddress, namesAddress } from '../db/address-match';
import { getCustomer } from '../db/cart-store';
import { cartEvents, carts, chains } from '../db/schema';
import type { Trigger } from '../domain/campaign';
import { emailKey } from '../domain/email-address';
import { cartWorkflowId, journeyWorkflowId } from '../domain/ids';
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
 * notice at its next step (which re-checks suppressions anyway, as the safety net). An erased
 * person has no such net (their suppression and customer row are gone), so every workflow that
 * may carry the address must be found here: chains that ran a step, carts still waiting for
 * abandonment, and journeys still waiting for their first step.
 */
export function createChainStopper({ db, client }: { db: Db; client: Client }): ChainStopper {
  return {
    async stopChainsOf(input) {
      const wanted = (trigger: Trigger) => !input.triggers || input.triggers.includes(trigger);
      const email = emailKey(input.email);
      const customer = await getCustomer(db, { shopId: input.shopId, email });
      const ids = new Set([
        ...(customer ? await chainsWithSteps(db, input, customer.id) : []),
        ...(customer && wanted('cart.abandoned') ? await waitingCarts(db, input, customer.id) : []),
        ...(await journeysOf(db, { ...input, email }))
          .filter(({ trigger }) => wanted(trigger))
          .map(({ workflowId }) => workflowId),
      ]);
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

async function chainsWithSteps(db: Db, input: StopChainsInput, customerId: number): Promise<string[]> {
  const rows = await db
    .select({ workflowId: chains.workflowId })
    .from(chains)
    .where(
      and(
        eq(chains.shopId, input.shopId),
        eq(chains.customerId, customerId),
        eq(chains.status, 'active'),
        ...(input.triggers ? [inArray(chains.trigger, input.triggers)] : []),
      ),
    );
  return rows.map((row) => row.workflowId);
}

/** A cart still waiting for abandonment has no chain row yet, but its workflow is running. */
async function waitingCarts(db: Db, input: StopChainsInput, customerId: number): Promise<string[]> {
  const rows = await db
    .select({ cartId: carts.cartId })
    .from(carts)
    .where(and(eq(carts.shopId, input.shopId), eq(carts.customerId, customerId), eq(carts.status, 'open')));
  return rows.map((row) => cartWorkflowId({ shopId: input.shopId, cartId: row.cartId }));
}

/**
 * Journeys are keyed by the shop's customer id or the order id (never the address), so they are
 * found through the webhooks that started them: every customer.created and order.placed event
 * naming this address (see domain/journeys.ts for which ids those events start).
 */
async function journeysOf(db: Db, input: StopChainsInput): Promise<Array<{ trigger: Trigger; workflowId: string }>> {
  const rows = await db
    .select({
      type: cartEvents.type,
      customerId: sql<string | null>`${cartEvents.payload} #>> '{data,customer,id}'`,
      orderId: sql<string | null>`${cartEvents.payload} #>> '{data,orderId}'`,
      email: sql<string | null>`${cartEvents.payload} #>> '{data,customer,email}'`,
    })
    .from(cartEvents)
    .where(
      and(
        eq(cartEvents.shopId, input.shopId),
        inArray(cartEvents.type, ['customer.created', 'order.placed']),
        mayHoldAddress(sql`${cartEvents.payload} #>> '{data,customer,email}'`, input.email),
      ),
    );
  const journey = (trigger: Trigger, subjectId: string) => ({
    trigger,
    workflowId: journeyWorkflowId({ shopId: input.shopId, trigger, subjectId }),
  });
  return rows.flatMap((row) => {
    // The shop wrote the address in its own spelling; `input.email` is canonical.
    if (!namesAddress(row.email, input.email)) return [];
    if (row.type === 'customer.created' && row.customerId) return [journey('customer.created', row.customerId)];
    if (row.type === 'order.placed' && row.orderId) {
      return [journey('order.placed', row.orderId), journey('reorder.due', row.orderId)];
    }
    return [];
  });
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
