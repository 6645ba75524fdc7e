import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { signedRequest, cartUpdatedEvent } from './cart-events';
import type { MailCatcher } from './mail-catcher';

/** One abandoned cart as a shop sends it: its own customer, so no cap or newer cart gets in the way. */
export function faultCart(label: string) {
  const n = randomUUID().slice(0, 8);
  return cartUpdatedEvent({ cartId: `cart-${label}-${n}`, customer: { email: `${label}-${n}@example.com` } });
}

export type FaultCart = ReturnType<typeof faultCart>;

/** What the shop got back for one POST: a status, or no answer at all (connection cut). */
export type Answer = { status: number; retryAfter: string | null } | { status: 'no_answer'; error: string };

/** POSTs a signed webhook over a real socket; a cut connection is an answer too. */
export async function postOverSocket(
  url: string,
  event: object,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const init = signedRequest(event);
  try {
    const response = await fetch(`${url}/webhooks/cart`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), ...headers },
      signal: AbortSignal.timeout(15_000),
    });
    await response.arrayBuffer();
    return { status: response.status, retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    return { status: 'no_answer', error: String(error) };
  }
}

export const isAck = (answer: Answer) =>
  typeof answer.status === 'number' && answer.status >= 200 && answer.status < 300;

/** What the customers received, per recipient: every count must be exactly 1. */
export function mailsPerRecipient(smtp: MailCatcher, carts: FaultCart[]): number[] {
  return carts.map(
    (cart) => smtp.envelopes.filter((envelope) => envelope.to.includes(cart.data.customer.email)).length,
  );
}

/** The stored events of these carts, and how many of them the relay has not delivered. */
export async function storedState(sql: postgres.Sql, carts: FaultCart[]) {
  const ids = carts.map((cart) => cart.id);
  const [row] = await sql`
    select (select count(*)::int from cart_events where event_id = any(${ids})) as stored,
           (select count(*)::int from outbox where event_id = any(${ids}) and delivered_at is null) as undelivered,
           (select count(*)::int from messages
             where cart_id = any(${carts.map((cart) => cart.data.id)}) and status = 'sent') as sent`;
  return row as { stored: number; undelivered: number; sent: number };
}
