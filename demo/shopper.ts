import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { type EmailFacts, emailFacts, mailboxKey } from './email-facts';
import { type CartPlan, type SimulatedCustomer, cartTotal } from './population';
import type { Random } from './random';
import { postShopEvent } from './shop-webhook';
import { type Action, planReactions } from './reactions';

/**
 * The simulated shop and its customers, acting over HTTP as the real ones would: the shop posts
 * signed webhooks, people (and their mailboxes' machines) fetch pixels, follow tracked links,
 * unsubscribe with one click, and come back to buy.
 */

export interface ShopperOptions {
  /** Where the cartflow HTTP server listens. */
  baseUrl: string;
  webhookSecret: string;
  plans: readonly CartPlan[];
  random: Random;
  /** Real milliseconds a cart must stay quiet before it counts as abandoned (scaled ABANDON_AFTER). */
  abandonAfterMs: number;
  /** Real milliseconds the longest chain takes after abandonment: organic purchases fall within it. */
  chainMs: number;
}

export interface ShopperTally {
  webhooks: number;
  emails: number;
  machineOpens: number;
  machineClicks: number;
  humanOpens: number;
  humanClicks: number;
  unsubscribes: number;
  ordersAfterEmail: number;
  ordersWithoutEmail: number;
}

export function createShopper(options: ShopperOptions) {
  const { baseUrl, webhookSecret, random } = options;
  const byMailbox = new Map(options.plans.map((plan) => [mailboxKey(plan.customer.email), plan]));
  const bought = new Set<string>();
  const unsubscribed = new Set<string>();
  const pending = new Set<Promise<void>>();
  const failures: string[] = [];
  /** Carts whose first webhook started a workflow. */
  const startedCarts = new Set<string>();
  /** Carts whose first webhook was answered without a workflow (e.g. `ignored`): nothing to wait for. */
  const cartsWithoutChain = new Set<string>();
  const queues = new Map<string, Promise<unknown>>();
  const tally: ShopperTally = {
    webhooks: 0,
    emails: 0,
    machineOpens: 0,
    machineClicks: 0,
    humanOpens: 0,
    humanClicks: 0,
    unsubscribes: 0,
    ordersAfterEmail: 0,
    ordersWithoutEmail: 0,
  };

  /** Runs `act` after `ms`, remembering it until done; a failure is kept for the summary, never thrown. */
  function later(ms: number, what: string, act: () => Promise<unknown>): void {
    const run = new Promise<void>((resolve) => setTimeout(resolve, ms))
      .then(async () => void (await act()))
      .catch((error: unknown) => void failures.push(`${what}: ${(error as Error).message}`))
      .finally(() => pending.delete(run));
    pending.add(run);
  }

  /**
   * A shop sends one cart's webhooks in order, each after the one before was answered. Sent as
   * timers fire, an order could overtake its cart on a busy machine and be stored first; the cart
   * would then be refused as already purchased.
   */
  function inCartOrder<T>(cartId: string, send: () => Promise<T>): Promise<T> {
    const next = (queues.get(cartId) ?? Promise.resolve()).catch(() => undefined).then(send);
    queues.set(cartId, next);
    return next;
  }

  async function postEvent(event: { type: string; data: unknown }): Promise<{ status?: string }> {
    const body = JSON.stringify({ id: `evt-${randomUUID()}`, occurredAt: new Date().toISOString(), ...event });
    try {
      const answer = await postShopEvent({ baseUrl, webhookSecret, body });
      tally.webhooks += 1;
      return answer as { status?: string };
    } catch (error) {
      throw new Error(`${event.type} ${(error as Error).message}`);
    }
  }

  const cartEvent = (plan: CartPlan, lines = plan.lines) =>
    inCartOrder(plan.cartId, () => postEvent({ type: 'cart.updated', data: cartData(plan, lines) }));

  async function placeOrder(plan: CartPlan, afterEmail: boolean): Promise<void> {
    if (bought.has(plan.cartId)) return;
    bought.add(plan.cartId);
    await inCartOrder(plan.cartId, () =>
      postEvent({
        type: 'order.placed',
        data: {
          cartId: plan.cartId,
          orderId: `order-${plan.cartId}`,
          total: cartTotal(plan.lines),
          currency: 'EUR',
          placedAt: new Date().toISOString(),
        },
      }),
    );
    if (afterEmail) tally.ordersAfterEmail += 1;
    else tally.ordersWithoutEmail += 1;
  }

  /** Schedules one cart's life: it appears, changes a few times, then is bought, emptied or left. */
  function playCart(plan: CartPlan, arrivalWindowMs: number): void {
    const quietMs = options.abandonAfterMs;
    let at = Math.round(plan.arrivesAt * arrivalWindowMs);
    const firstLines = plan.lines.slice(0, Math.max(1, plan.lines.length - plan.updates));
    later(at, `cart ${plan.cartId}`, async () => {
      const { status } = await cartEvent(plan, firstLines);
      (status === 'accepted' ? startedCarts : cartsWithoutChain).add(plan.cartId);
    });
    for (let update = 1; update <= plan.updates; update += 1) {
      at += Math.round(quietMs * (0.2 + random.next() * 0.4)); // changed before the quiet period ends
      const lines = plan.lines.slice(0, Math.max(1, plan.lines.length - plan.updates + update));
      later(at, `cart ${plan.cartId}`, () => cartEvent(plan, lines));
    }
    const soon = at + Math.round(quietMs * 0.3);
    if (plan.fate === 'bought_at_once') later(soon, `order ${plan.cartId}`, () => placeOrder(plan, false));
    if (plan.fate === 'emptied') later(soon, `cart ${plan.cartId}`, () => cartEvent(plan, []));
    if (plan.organicPurchaseAt !== undefined) {
      const buyAt = at + quietMs + Math.round(plan.organicPurchaseAt * options.chainMs);
      later(buyAt, `order ${plan.cartId}`, () => placeOrder(plan, false));
    }
  }

  /** An email reached the SMTP sink: its recipient (if a simulated customer) reacts to it. */
  async function receive(raw: Buffer, recipients: string[]): Promise<void> {
    tally.emails += 1;
    const plan = recipients.map((to) => byMailbox.get(mailboxKey(to))).find((found) => found !== undefined);
    if (!plan) return; // a sales manager's alert: nobody simulated reads it
    const parsed = await simpleParser(raw).catch((error: unknown) => {
      failures.push(`email to ${plan.cartId}'s customer unreadable: ${(error as Error).message}`);
      return undefined;
    });
    if (!parsed) return;
    const facts = emailFacts({ raw: raw.toString('utf8'), html: parsed.html || '', text: parsed.text ?? '' });
    const actions = planReactions({
      persona: plan.customer.persona,
      email: { step: facts.step ?? 'unknown', percentOff: facts.percentOff, linkCount: facts.links.length },
      random,
    });
    for (const action of actions)
      later(action.atMs, `${action.type} ${plan.cartId}`, () => perform(plan, facts, action));
  }

  async function perform(plan: CartPlan, facts: EmailFacts, action: Action): Promise<void> {
    if (unsubscribed.has(plan.cartId) && action.type !== 'open') return;
    if (action.type === 'order') return placeOrder(plan, true);
    if (action.type === 'unsubscribe') {
      if (!facts.unsubscribe) return;
      await expectOk(
        fetch(facts.unsubscribe, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
        }),
        'one-click unsubscribe',
      );
      unsubscribed.add(plan.cartId);
      tally.unsubscribes += 1;
      return;
    }
    const url = action.type === 'open' ? facts.pixel : facts.links[action.link];
    if (!url) return;
    await expectOk(fetch(url, { headers: { 'user-agent': action.userAgent }, redirect: 'manual' }), action.type);
    const machine = action.by === 'machine';
    if (action.type === 'open') tally[machine ? 'machineOpens' : 'humanOpens'] += 1;
    else tally[machine ? 'machineClicks' : 'humanClicks'] += 1;
  }

  return {
    tally,
    failures,
    startedCarts,
    cartsWithoutChain,
    playCart,
    receive,
    /** Resolves once every scheduled webhook, open, click, unsubscribe and order has been performed. */
    async settled(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

async function expectOk(request: Promise<Response>, what: string): Promise<void> {
  const response = await request;
  // Tracked links answer with a redirect to the shop, which a demo does not follow.
  if (response.status >= 400) throw new Error(`${what} answered ${response.status}`);
  await response.body?.cancel();
}

function cartData(plan: CartPlan, lines: CartPlan['lines']) {
  const customer: SimulatedCustomer = plan.customer;
  return {
    id: plan.cartId,
    currency: 'EUR',
    items: lines.map((line) => ({
      ...line,
      url: `https://shop.example.com/p/${line.sku.toLowerCase()}`,
      imageUrl: `https://shop.example.com/img/${line.sku.toLowerCase()}.jpg`,
    })),
    total: cartTotal(lines),
    recoveryUrl: `https://shop.example.com/cart/recover?cart=${encodeURIComponent(plan.cartId)}`,
    customer: {
      id: customer.id,
      email: customer.email,
      name: customer.name,
      locale: customer.locale,
      timeZone: customer.timeZone,
      country: customer.country,
      b2b: customer.b2b,
      marketingConsent: customer.marketingConsent,
      orderCount: customer.orderCount,
      ...(customer.salesManagerEmail ? { salesManagerEmail: customer.salesManagerEmail } : {}),
    },
    updatedAt: new Date().toISOString(),
  };
}
