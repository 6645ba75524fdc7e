import { createHmac, timingSafeEqual } from 'node:crypto';

export const SHOPIFY_HMAC_HEADER = 'X-Shopify-Hmac-Sha256';

export type ShopifyHmacResult = { ok: true } | { ok: false; reason: 'missing_signature' | 'bad_signature' };

/** base64(HMAC-SHA256(raw body, client secret)), as Shopify signs every webhook. */
export function shopifyHmac({ body, secret }: { body: Uint8Array | string; secret: string }): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/**
 * Checks `X-Shopify-Hmac-Sha256` against the raw body under each secret (the current one and,
 * during a rotation, the previous one), comparing in constant time.
 */
export function verifyShopifyHmac({
  header,
  body,
  secrets,
}: {
  header: string | undefined;
  body: Uint8Array;
  secrets: readonly string[];
}): ShopifyHmacResult {
  if (!header) return { ok: false, reason: 'missing_signature' };
  const given = Buffer.from(header.trim(), 'base64');
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(body).digest();
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: 'bad_signature' };
}
