import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** One of Shopify's documented payloads in test/fixtures/shopify, as a plain object to change. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const shopifyFixture = (name: string): Record<string, any> =>
  JSON.parse(readFileSync(new URL(`../fixtures/shopify/${name}.json`, import.meta.url), 'utf8'));

/** A delivery as Shopify makes it: base64(HMAC-SHA256(raw body, client secret)) and its headers. */
export function shopifyDelivery(
  body: unknown,
  options: { topic: string; secret: string; shopDomain: string; webhookId?: string; triggeredAt?: string },
): RequestInit {
  const raw = JSON.stringify(body);
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-hmac-sha256': createHmac('sha256', options.secret).update(raw).digest('base64'),
      'x-shopify-topic': options.topic,
      'x-shopify-shop-domain': options.shopDomain,
      'x-shopify-webhook-id': options.webhookId ?? randomUUID(),
      'x-shopify-api-version': '2026-01',
      'x-shopify-triggered-at': options.triggeredAt ?? new Date().toISOString(),
    },
    body: raw,
  };
}
