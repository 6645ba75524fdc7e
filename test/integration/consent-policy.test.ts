import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunChainStepInput, createActivities } from '../../activities';
import type { ConsentPolicy } from '../../domain/consent';
import { storeCartEvent } from '../../db/cart-store';
import type { ChainStepResult } from '../../domain/chain';
import { CartUpdatedEvent, CustomerCreatedEvent, OrderPlacedEvent } from '../../domain/events';
import { cartUpdatedEvent, orderPlacedEvent } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import { type DeliveryStack, startDeliveryStack } from '../helpers/delivery-stack';
import { activityEnvironment } from '../helpers/test-logger';

// CONSENT_POLICY as the chain step applies it, against real Postgres and a real SMTP server.
const shopId = 'shop-consent';
let delivery: DeliveryStack;

beforeAll(async () => {
  delivery = await startDeliveryStack();
});
afterAll(() => delivery?.close());

/** A cart of a customer who never ticked the consent box, optionally after an order last month. */
async function cartWithoutConsent({ boughtBefore }: { boughtBefore: boolean }): Promise<RunChainStepInput> {
  const customer = { email: `soft-${randomUUID().slice(0, 8)}@example.com`, marketingConsent: false };
  if (boughtBefore) {
    const earlier = CartUpdatedEvent.parse(cartUpdatedEvent({ customer }));
    await storeCartEvent(delivery.database.db, { shopId, event: earlier, payload: earlier });
    const order = OrderPlacedEvent.parse(orderPlacedEvent({ cartId: earlier.data.id }));
    await storeCartEvent(delivery.database.db, { shopId, event: order, payload: order });
    await delivery.database
      .sql`update carts set updated_at = now() - interval '30 days' where cart_id = ${earlier.data.id}`;
  }
  const event = CartUpdatedEvent.parse(cartUpdatedEvent({ customer }));
  await storeCartEvent(delivery.database.db, { shopId, event, payload: event });
  return {
    workflowId: `cart:${shopId}:${event.data.id}`,
    shopId,
    cartId: event.data.id,
    campaign: consumerCampaign(),
    stepIndex: 0,
    enteredAt: Date.now(),
    cart: event.data,
  };
}

const runStep = (input: RunChainStepInput, consentPolicy?: ConsentPolicy) => {
  const activities = createActivities({
    ...delivery.deps,
    ...(consentPolicy ? { consentPolicy } : {}),
  });
  return activityEnvironment().run(activities.runChainStep, input) as Promise<ChainStepResult>;
};
const recipients = () => delivery.smtp.messages.map((mail) => (mail.to && 'text' in mail.to ? mail.to.text : ''));

describe('consent policy in the chain step', () => {
  it('a consent withdrawn by a later webhook wins over the snapshot the chain started with', async () => {
    const email = `withdrawn-${randomUUID().slice(0, 8)}@example.com`;
    const event = CartUpdatedEvent.parse(cartUpdatedEvent({ customer: { email, marketingConsent: true } }));
    await storeCartEvent(delivery.database.db, { shopId, event, payload: event });
    const input: RunChainStepInput = {
      workflowId: `cart:${shopId}:${event.data.id}`,
      shopId,
      cartId: event.data.id,
      campaign: consumerCampaign(),
      stepIndex: 0,
      enteredAt: Date.now(),
      cart: event.data, // the chain's own copy still says: consented
    };
    const later = CartUpdatedEvent.parse(
      cartUpdatedEvent({
        customer: { email, marketingConsent: false },
        updatedAt: new Date(Date.now() + 1000).toISOString(),
      }),
    );
    await storeCartEvent(delivery.database.db, { shopId, event: later, payload: later });

    expect(await runStep(input)).toEqual({ status: 'skipped', reason: 'no_consent', endChain: false });
    expect(recipients()).not.toContain(email);
  });

  it('the newest statement by event time wins, across carts and event types, whatever the arrival order', async () => {
    const email = `late-${randomUUID().slice(0, 8)}@example.com`;
    const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    const store = async (payload: { type: string; [field: string]: unknown }) => {
      const event =
        payload.type === 'cart.updated' ? CartUpdatedEvent.parse(payload) : CustomerCreatedEvent.parse(payload);
      await storeCartEvent(delivery.database.db, { shopId, event, payload: event });
    };
    const cartAt = (minutes: number, marketingConsent: boolean) =>
      cartUpdatedEvent({ customer: { email, marketingConsent }, updatedAt: at(minutes) });
    const stepOf = (cart: ReturnType<typeof cartAt>): RunChainStepInput => ({
      workflowId: `cart:${shopId}:${cart.data.id}`,
      shopId,
      cartId: cart.data.id,
      campaign: consumerCampaign(),
      stepIndex: 0,
      enteredAt: Date.now(),
      cart: CartUpdatedEvent.parse(cart).data,
    });

    // At minute 0 they withdrew consent on one cart. The shop's retry of a cart from minute -10,
    // when they still consented, and their customer.created of minute -20 arrive after it.
    const withdrawn = cartAt(0, false);
    await store(withdrawn);
    const older = cartAt(-10, true);
    await store(older);
    await store({
      id: `evt-${randomUUID()}`,
      type: 'customer.created',
      occurredAt: at(-20),
      data: {
        customer: { id: `c-${randomUUID()}`, email, marketingConsent: true },
        welcomeUrl: 'https://shop.example.com/w',
      },
    });
    expect(await runStep(stepOf(older))).toEqual({ status: 'skipped', reason: 'no_consent', endChain: false });

    // At minute 5 they consent again on a new cart: the newer statement wins, and they get the email.
    const renewed = cartAt(5, true);
    await store(renewed);
    expect(await runStep(stepOf(renewed))).toMatchObject({ status: 'sent' });
    expect(recipients()).toContain(email);
  });

  it('opt_in (the default): no consent, no email, even for a past buyer', async () => {
    const input = await cartWithoutConsent({ boughtBefore: true });
    expect(await runStep(input)).toEqual({ status: 'skipped', reason: 'no_consent', endChain: false });
    expect(await runStep(input, 'opt_in')).toEqual({ status: 'skipped', reason: 'no_consent', endChain: false });
    expect(recipients()).not.toContain(input.cart.customer.email);
  });

  it('existing_customers: a past buyer gets the reminder without the consent box (soft opt-in)', async () => {
    const input = await cartWithoutConsent({ boughtBefore: true });
    expect(await runStep(input, 'existing_customers')).toEqual({ status: 'sent' });
    await delivery.smtp.waitFor(1);
    expect(recipients()).toContain(input.cart.customer.email);
  });

  it('existing_customers: someone who never bought still needs consent', async () => {
    const input = await cartWithoutConsent({ boughtBefore: false });
    expect(await runStep(input, 'existing_customers')).toEqual({
      status: 'skipped',
      reason: 'no_consent',
      endChain: false,
    });
  });

  it('existing_customers: an unsubscribe still wins over the past purchase', async () => {
    const input = await cartWithoutConsent({ boughtBefore: true });
    await delivery.database.sql`insert into suppressions (shop_id, email, reason, source)
      values (${shopId}, ${input.cart.customer.email}, 'unsubscribed', 'one_click')`;
    expect(await runStep(input, 'existing_customers')).toEqual({
      status: 'skipped',
      reason: 'unsubscribed',
      endChain: true,
    });
  });
});
