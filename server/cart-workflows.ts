import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { Campaign } from '../domain/campaign';
import type { CartEvent } from '../domain/events';
import { cartIdOf } from '../domain/events';
import { cartWorkflowId } from '../domain/ids';
import type { abandonedCartWorkflow } from '../workflows/abandoned-cart';
import { cartUpdatedSignal, orderPlacedSignal } from '../workflows/definitions';
import { searchAttributesAtStart } from '../workflows/search-attributes';

export type Delivery =
  /** The cart's workflow was started or received the event. */
  | 'delivered'
  /** The cart's chain already finished (bought, emptied or done): nothing starts again. */
  | 'cart_finished'
  /** An order for a cart with no running chain: recorded, nothing to stop. */
  | 'no_running_chain';

export interface CartWorkflowsOptions {
  client: Client;
  taskQueue: string;
  abandonAfterMs: number;
  /** cart.abandoned campaigns, newest versions: pinned into each new cart's workflow. */
  campaigns: Campaign[];
  /** Give up on Temporal after this long so the shop gets a 503 before its own webhook timeout. */
  deliveryTimeoutMs?: number;
}

/** Routes a validated webhook event to its cart's workflow. */
export function createCartWorkflows(options: CartWorkflowsOptions) {
  const { client, taskQueue, deliveryTimeoutMs = 4_000 } = options;
  return {
    deliver(shopId: string, event: CartEvent): Promise<Delivery> {
      return client.withDeadline(Date.now() + deliveryTimeoutMs, () => deliverNow(shopId, event));
    },
  };

  async function deliverNow(shopId: string, event: CartEvent): Promise<Delivery> {
    const cartId = cartIdOf(event);
    const workflowId = cartWorkflowId({ shopId, cartId });
    if (event.type === 'order.placed') {
      try {
        await client.workflow.getHandle(workflowId).signal(orderPlacedSignal, event.data);
        return 'delivered';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return 'no_running_chain';
        throw error;
      }
    }
    try {
      await client.workflow.signalWithStart<typeof abandonedCartWorkflow, [typeof event.data]>(
        'abandonedCartWorkflow',
        {
          workflowId,
          taskQueue,
          // One chain per cart, ever: a late webhook for a finished cart must not start another.
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          args: [
            {
              shopId,
              cartId,
              abandonAfterMs: options.abandonAfterMs,
              campaigns: options.campaigns,
            },
          ],
          typedSearchAttributes: searchAttributesAtStart({ campaigns: options.campaigns, cart: event.data }),
          signal: cartUpdatedSignal,
          signalArgs: [event.data],
        },
      );
      return 'delivered';
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return 'cart_finished';
      throw error;
    }
  }
}

export type CartWorkflows = ReturnType<typeof createCartWorkflows>;
