// A deliberately incompatible version of the cart workflow (an unpatched reorder of its commands):
// replaying the corpus against it must fail, which proves the replay test can catch such a change.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../../activities';
import type { AbandonedCartInput } from '../../../workflows/definitions';

const { finishChain } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });

export async function abandonedCartWorkflow(input: AbandonedCartInput): Promise<string> {
  await finishChain({ workflowId: 'mutant', shopId: input.shopId, cartId: input.cartId, outcome: 'completed' });
  return 'completed';
}
