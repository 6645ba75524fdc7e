import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { isEmptyCart, isNewerSnapshot } from '../domain/cart-state';
import type { Cart, Order } from '../domain/events';
import {
  type AbandonedCartInput,
  type CartOutcome,
  type CartState,
  cartStateQuery,
  cartUpdatedSignal,
  orderPlacedSignal,
} from './definitions';

const { sendCartEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * One run per cart: wait until the cart goes quiet, send the reminder, then watch for the
 * order. Any order ends it at once; an emptied cart ends it without an email.
 */
export async function abandonedCartWorkflow(input: AbandonedCartInput): Promise<CartOutcome> {
  let cart: Cart | undefined;
  let order: Order | undefined;
  let updates = 0;
  const state: CartState = { phase: 'waiting_for_inactivity', itemCount: 0 };

  setHandler(cartUpdatedSignal, (next) => {
    if (!isNewerSnapshot(cart, next)) return;
    cart = next;
    updates += 1;
    state.itemCount = next.items.length;
  });
  setHandler(orderPlacedSignal, (placed) => {
    order = placed;
  });
  setHandler(cartStateQuery, () => state);

  const finish = (outcome: CartOutcome): CartOutcome => {
    Object.assign(state, { phase: 'finished', outcome, reminderDueAt: undefined });
    return outcome;
  };
  const emptied = () => cart !== undefined && isEmptyCart(cart);

  // Every update restarts the inactivity clock.
  for (;;) {
    const seen = updates;
    state.reminderDueAt = new Date(Date.now() + input.abandonAfterMs).toISOString();
    const interrupted = await condition(
      () => updates !== seen || order !== undefined || emptied(),
      input.abandonAfterMs,
    );
    if (order) return finish('purchased');
    if (emptied()) return finish('emptied');
    if (!interrupted) break;
  }
  if (!cart) return finish('not_sent');

  state.phase = 'sending_reminder';
  state.reminderDueAt = undefined;
  const result = await sendCartEmail({ shopId: input.shopId, cartId: input.cartId, step: 'reminder', cart });
  if (result.status === 'skipped') return finish(result.reason === 'purchased' ? 'purchased' : 'not_sent');

  state.phase = 'waiting_for_order';
  const bought = await condition(() => order !== undefined, input.conversionWindowMs);
  return finish(bought ? 'recovered' : 'not_recovered');
}
