import type { Context } from 'hono';
import { ShopId } from '../domain/shop';
import { requestHeader } from './request-header';
import { SHOP_HEADER, type ShopResolver, type WebhookShop } from './shop-resolver';

export type RequestShop = { ok: true; shop: WebhookShop } | { ok: false; response: Response };

export interface RequestShopOptions {
  shops: ShopResolver;
  /**
   * The answer to a well-formed id no shop has: 403 where the request is signed with the shop's
   * secret (webhooks), 404 where a token for the whole install authenticates it (admin, checkout).
   */
  unknownStatus: 403 | 404;
  /** Also read the shop from this query parameter when the header is absent (SendGrid sends no custom headers). */
  queryParameter?: string;
  /** Appended to the unknown-shop message, e.g. "; nothing was stored". */
  consequence?: string;
}

/**
 * The shop a request means, named by the `Cartflow-Shop` header (absent: the default shop of
 * SHOP_ID), or the 4xx that names a malformed or unknown one. Every route that acts on a shop's
 * data resolves it the same way, so one rule covers webhooks, the admin APIs and the checkout API.
 */
export async function shopOfRequest(c: Context, options: RequestShopOptions): Promise<RequestShop> {
  const fromHeader = requestHeader(c, SHOP_HEADER)?.trim();
  const fromQuery = options.queryParameter ? c.req.query(options.queryParameter)?.trim() : undefined;
  const named = fromHeader ?? fromQuery;
  const where =
    fromHeader === undefined && fromQuery !== undefined ? `${options.queryParameter} (query parameter)` : SHOP_HEADER;
  if (named !== undefined && !ShopId.safeParse(named).success) {
    const message = `${where} must be a shop id (letters, digits, _ . - only, max 64)`;
    return { ok: false, response: c.json({ error: 'invalid_shop', message }, 400) };
  }
  const shop = await options.shops.byId(named);
  if (!shop) {
    const message = `no shop "${named}" in this install (cartflow shops list)${options.consequence ?? ''}`;
    return { ok: false, response: c.json({ error: 'unknown_shop', message }, options.unknownStatus) };
  }
  return { ok: true, shop };
}
