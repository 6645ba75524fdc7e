import type { SentCopies } from '../mail/outbox-files';
import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { ChainStopper } from '../app/chain-stopper';
import { eraseShop } from '../app/shop-erase';
import type { Db } from '../db/client';
import type { ShopifyShopRedact } from '../domain/shopify-payloads';

/**
 * Shopify answers a webhook as failed after 5 s; erasing stops after this long and answers 503,
 * so Shopify's retry carries on with whoever is left (an erased person is in no row any more).
 */
export const SHOP_REDACT_BUDGET_MS = 3_500;

export interface ShopRedactDeps {
  db: Db;
  chains?: ChainStopper;
  sentCopies?: SentCopies;
  logger: Logger;
  shopId: string;
  /** SHOPIFY_SHOP_DOMAIN: without it this install cannot tell its own shop's redact from another's. */
  configuredDomain: string | undefined;
  now: () => number;
  budgetMs?: number;
}

/**
 * `shop/redact`: every person of the shop is erased through the privacy erase. One install holds
 * one shop (SHOP_ID), so that is every person cartflow holds for SHOP_ID.
 */
export async function redactShop(
  c: Context,
  deps: ShopRedactDeps,
  delivery: { webhookId: string; topic: string; shopDomain: string },
  request: ShopifyShopRedact,
): Promise<Response> {
  const { logger, now } = deps;
  const ids = { webhookId: delivery.webhookId, topic: delivery.topic, shopDomain: delivery.shopDomain };
  if (request.shop_domain !== delivery.shopDomain) {
    const message = `shop_domain ${request.shop_domain} is not the X-Shopify-Shop-Domain header's ${delivery.shopDomain}`;
    return c.json({ error: 'invalid_payload', message, issues: [{ path: 'shop_domain', message }] }, 400);
  }
  if (!deps.configuredDomain) {
    // The app may be installed in other shops too: only a configured domain makes this one's data the shop's.
    logger.warn(ids, 'Shopify shop/redact not acted on: SHOPIFY_SHOP_DOMAIN is unset; an operator must erase');
    return c.json({ status: 'acknowledged', reason: 'shop_domain_not_configured', topic: delivery.topic }, 200);
  }
  if (!deps.chains) {
    return c.json({ error: 'unavailable', message: 'no Temporal client: running chains could not be stopped' }, 503);
  }
  let result;
  try {
    const deadline = now() + (deps.budgetMs ?? SHOP_REDACT_BUDGET_MS);
    result = await eraseShop(
      { db: deps.db, chains: deps.chains, sentCopies: deps.sentCopies, now },
      { shopId: deps.shopId, deadline },
    );
  } catch (error) {
    logger.warn({ err: error, ...ids }, 'Shopify shop/redact failed part-way; the retry carries on');
    c.header('Retry-After', '60');
    return c.json({ error: 'temporarily_unavailable', message: 'the erase did not finish; retry later' }, 503);
  }
  if (!result.complete) {
    logger.info({ ...ids, ...result }, 'Shopify shop/redact in progress; the retry carries on');
    c.header('Retry-After', '60');
    const message = `erased ${result.erased} people, ${result.remaining} remain; retry to continue`;
    return c.json({ error: 'in_progress', message, erased: result.erased, remaining: result.remaining }, 503);
  }
  if (result.remaining > 0) {
    logger.warn({ ...ids, ...result }, 'Shopify shop/redact left addresses the privacy erase did not match');
  } else {
    logger.info({ ...ids, erased: result.erased }, 'Shopify shop/redact done');
  }
  return c.json({ status: 'erased', topic: delivery.topic, erased: result.erased, remaining: result.remaining }, 200);
}
