import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { Campaign } from '../domain/campaign';
import type { CartEvent } from '../domain/events';
import { cartIdOf } from '../domain/events';
import { cartCodesWorkflowId, cartWorkflowId, journeyWorkflowId } from '../domain/ids';
import { journeySubjectsOf } from '../domain/journeys';
import { segmentContextOf } from '../domain/segment-context';
import { campaignsFor, selectCampaign } from '../domain/segments';
import type { abandonedCartWorkflow } from '../workflows/abandoned-cart';
import type { disableCartCodesWorkflow } from '../workflows/disable-cart-codes';
import type { journeyWorkflow } from '../workflows/journey';
import { cartUpdatedSignal, orderPlacedSignal } from '../workflows/definitions';
import { searchAttributesAtStart, shopSearchAttributes } from '../workflows/search-attributes';

export type Delivery =
  /** The cart's workflow was started or received the event. */
  | 'delivered'
  /** The cart's chain already finished (bought, emptied or done): nothing starts again. */
  | 'cart_finished'
  /** An order for a cart with no running chain: recorded, nothing to stop. */
  | 'no_running_chain'
  /** The event is about a customer, not a cart (it may start journeys). */
  | 'not_a_cart';

export interface CartWorkflowsOptions {
  client: Client;
  taskQueue: string;
  abandonAfterMs: number;
  /**
   * Every active campaign. Each workflow pins only its own trigger's in its input: cart.abandoned
   * for a cart's workflow, the journey's trigger for a journey.
   */
  campaigns: Campaign[];
  /**
   * A shop's own active campaigns (its campaigns dir, docs/shops.md); undefined, or absent: `campaigns`.
   * A failure to load them fails the delivery, which the outbox relay retries.
   */
  shopCampaigns?: (shopId: string) => Promise<Campaign[] | undefined>;
  /** Give up on Temporal after this long so the shop gets a 503 before its own webhook timeout. */
  deliveryTimeoutMs?: number;
}

/** Routes a validated webhook event to its cart's workflow. */
export function createCartWorkflows(options: CartWorkflowsOptions) {
  const { client, taskQueue, deliveryTimeoutMs = 4_000 } = options;
  const defaultCampaigns = options.campaigns;
  const campaignsOf = async (shopId: string): Promise<Campaign[]> =>
    (await options.shopCampaigns?.(shopId)) ?? defaultCampaigns;
  return {
    deliver(shopId: string, event: CartEvent): Promise<Delivery> {
      return client.withDeadline(Date.now() + deliveryTimeoutMs, () => deliverNow(shopId, event));
    },
    /** The journey workflow ids the event implies, without asking Temporal (for the webhook's answer). */
    async plannedJourneys(shopId: string, event: CartEvent, receivedAt: string): Promise<string[]> {
      // Only names them in the webhook's answer, after the commit: a shop's unreadable campaigns
      // fail the relay's delivery (retried, logged), not the answer.
      const campaigns = await campaignsOf(shopId).catch((): Campaign[] => []);
      return journeysOf({ shopId, campaigns }, event, receivedAt).map(({ workflowId }) => workflowId);
    },
    /**
     * Starts the workflow that disables a cart's live codes (in cartflow and at the shop) when its
     * order found no chain running to do it; one already running for the cart will do it.
     */
    disableCartCodes(shopId: string, cartId: string): Promise<void> {
      return client.withDeadline(Date.now() + deliveryTimeoutMs, async () => {
        try {
          await client.workflow.start<typeof disableCartCodesWorkflow>('disableCartCodesWorkflow', {
            workflowId: cartCodesWorkflowId({ shopId, cartId }),
            taskQueue,
            // A finished run may run again (an event delivered twice): it finds the codes disabled.
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
            args: [{ shopId, cartId }],
            typedSearchAttributes: shopSearchAttributes(shopId),
          });
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        }
      });
    },
    /** Starts the welcome / post-purchase / re-order journeys the event implies; returns their ids. */
    startJourneys(shopId: string, event: CartEvent, receivedAt: string): Promise<string[]> {
      return client.withDeadline(Date.now() + deliveryTimeoutMs, () => startJourneysNow(shopId, event, receivedAt));
    },
  };

  function journeysOf(
    { shopId, campaigns }: { shopId: string; campaigns: Campaign[] },
    event: CartEvent,
    receivedAt: string,
  ) {
    return journeySubjectsOf(event, receivedAt)
      .filter(({ trigger, subject }) =>
        // Only start a workflow when some campaign will take the customer.
        selectCampaign(campaignsFor(campaigns, trigger), { trigger, context: segmentContextOf(subject) }),
      )
      .map((journey) => ({ ...journey, workflowId: journeyWorkflowId({ shopId, ...journey }) }));
  }

  async function startJourneysNow(shopId: string, event: CartEvent, receivedAt: string): Promise<string[]> {
    const started: string[] = [];
    const shopCampaigns = await campaignsOf(shopId);
    for (const { trigger, subjectId, subject, workflowId } of journeysOf(
      { shopId, campaigns: shopCampaigns },
      event,
      receivedAt,
    )) {
      const campaigns = campaignsFor(shopCampaigns, trigger);
      try {
        await client.workflow.start<typeof journeyWorkflow>('journeyWorkflow', {
          workflowId,
          taskQueue,
          // One journey per subject and trigger: a repeated webhook does not start a second one.
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          args: [{ shopId, subjectId, trigger, campaigns, subject }],
          typedSearchAttributes: shopSearchAttributes(shopId),
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      started.push(workflowId);
    }
    return started;
  }

  async function deliverNow(shopId: string, event: CartEvent): Promise<Delivery> {
    if (event.type === 'customer.created') return 'not_a_cart';
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
    const cartCampaigns = campaignsFor(await campaignsOf(shopId), 'cart.abandoned');
    try {
      // The first cart travels in the input rather than as a signal: one history event less.
      await client.workflow.start<typeof abandonedCartWorkflow>('abandonedCartWorkflow', {
        workflowId,
        taskQueue,
        // One chain per cart, ever: a late webhook for a finished cart must not start another.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [
          {
            shopId,
            cartId,
            abandonAfterMs: options.abandonAfterMs,
            campaigns: cartCampaigns,
            firstCart: event.data,
          },
        ],
        typedSearchAttributes: searchAttributesAtStart({ shopId, campaigns: cartCampaigns, cart: event.data }),
      });
      return 'delivered';
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    // The cart's workflow exists: a running one gets the update; a finished one gets nothing.
    try {
      await client.workflow.getHandle(workflowId).signal(cartUpdatedSignal, event.data);
      return 'delivered';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'cart_finished';
      throw error;
    }
  }
}

export type CartWorkflows = ReturnType<typeof createCartWorkflows>;
