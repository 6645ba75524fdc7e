import { randomUUID } from 'node:crypto';
import { signatureHeader } from '../../signing/webhook-signature';

export const TEST_SECRET = 'test-webhook-secret-0123456789';

export interface CartUpdatedOptions {
  eventId?: string;
  cartId?: string;
  updatedAt?: string;
  items?: unknown[];
  customer?: Record<string, unknown>;
}

/** A valid `cart.updated` event as a shop would post it (see docs/webhooks.md). */
export function cartUpdatedEvent(options: CartUpdatedOptions = {}) {
  return {
    id: options.eventId ?? `evt-${randomUUID()}`,
    type: 'cart.updated',
    data: {
      id: options.cartId ?? `cart-${randomUUID().slice(0, 8)}`,
      currency: 'EUR',
      items: options.items ?? [
        {
          sku: 'TEE-BLK-M',
          name: 'Organic cotton T-shirt',
          quantity: 2,
          unitPrice: '19.90',
          imageUrl: 'https://shop.example.com/img/tee.jpg',
          url: 'https://shop.example.com/p/tee',
        },
        { sku: 'MUG-01', name: 'Enamel mug', quantity: 1, unitPrice: 12.5 },
      ],
      total: '52.30',
      recoveryUrl: 'https://shop.example.com/cart/recover?token=t0k3n',
      customer: {
        email: 'ada@example.com',
        name: 'Ada',
        locale: 'en',
        timeZone: 'Europe/Berlin',
        marketingConsent: true,
        ...options.customer,
      },
      updatedAt: options.updatedAt ?? new Date().toISOString(),
    },
  };
}

export function orderPlacedEvent(options: { cartId: string; eventId?: string }) {
  return {
    id: options.eventId ?? `evt-${randomUUID()}`,
    type: 'order.placed',
    data: { cartId: options.cartId, orderId: `order-${randomUUID().slice(0, 8)}`, total: '52.30', currency: 'EUR' },
  };
}

/** Request init for `POST /webhooks/cart`, signed now (or at `timestampSeconds`). */
export function signedRequest(
  body: unknown,
  options: { secret?: string; timestampSeconds?: number } = {},
): RequestInit {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestampSeconds = options.timestampSeconds ?? Math.floor(Date.now() / 1000);
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'cartflow-signature': signatureHeader({ secret: options.secret ?? TEST_SECRET, body: raw, timestampSeconds }),
    },
    body: raw,
  };
}
