import { type SQL, and, eq, inArray, sql } from 'drizzle-orm';
import { union } from 'drizzle-orm/pg-core';
import { namesAddress, unusualAddressSpelling } from './address-match';
import { getCustomer } from './cart-store';
import type { Db } from './client';
import { addressOf, cartEvents, carts, chains, personEvent } from './schema';
import type { Trigger } from '../domain/campaign';
import { emailKey } from '../domain/email-address';
import { cartWorkflowId, journeyWorkflowId } from '../domain/ids';

export interface PersonWorkflowsInput {
  shopId: string;
  email: string;
  /** Only chains of these triggers (a category opt-out); all when absent. */
  triggers?: Trigger[];
}

/**
 * Every workflow that may carry the address (in any spelling): chains that ran a step, carts still
 * waiting for abandonment, and journeys still waiting for their first step. An erased person has
 * no safety net (their suppression and customer row are gone), so none may be missed.
 */
export async function runningWorkflowIdsOf(db: Db, input: PersonWorkflowsInput): Promise<Set<string>> {
  const wanted = (trigger: Trigger) => !input.triggers || input.triggers.includes(trigger);
  const email = emailKey(input.email);
  const customer = await getCustomer(db, { shopId: input.shopId, email });
  return new Set([
    ...(customer ? await chainsWithSteps(db, input, customer.id) : []),
    ...(customer && wanted('cart.abandoned') ? await waitingCarts(db, input, customer.id) : []),
    ...(await journeysOf(db, { ...input, email }))
      .filter(({ trigger }) => wanted(trigger))
      .map(({ workflowId }) => workflowId),
  ]);
}

async function chainsWithSteps(db: Db, input: PersonWorkflowsInput, customerId: number): Promise<string[]> {
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
async function waitingCarts(db: Db, input: PersonWorkflowsInput, customerId: number): Promise<string[]> {
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
async function journeysOf(
  db: Db,
  input: PersonWorkflowsInput,
): Promise<Array<{ trigger: Trigger; workflowId: string }>> {
  const address = addressOf(cartEvents.payload);
  // Two halves, each with its own index (db/schema.ts): the address as written in lower case, and
  // the few rows SQL cannot canonicalise. As one OR the planner read every stored event.
  const personEvents = (spelling: SQL) =>
    db
      .select({
        type: cartEvents.type,
        customerId: sql<string | null>`${cartEvents.payload} #>> '{data,customer,id}'`,
        orderId: sql<string | null>`${cartEvents.payload} #>> '{data,orderId}'`,
        email: sql<string | null>`${address}`,
      })
      .from(cartEvents)
      .where(and(eq(cartEvents.shopId, input.shopId), personEvent(cartEvents.type), spelling));
  const rows = await union(
    personEvents(sql`lower(${address}) = ${input.email}`),
    personEvents(unusualAddressSpelling(address)),
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
