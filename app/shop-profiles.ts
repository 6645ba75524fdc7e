import type { Logger } from 'pino';
import { createShopDiscountApi, type ShopDiscountApi } from '../activities/discounts/shop-api';
import { createShopifyDiscountApi } from '../activities/discounts/shopify-discounts';
import type { ShopProfile, ShopProfiles } from '../activities/shop-profile';
import type { Config } from '../config/env';
import type { Db } from '../db/client';
import { type ShopRecord, findShop, hasShops } from '../db/shop-store';
import { fromHeader } from '../domain/shop';

/** A change to a shop (a new shop, a removed one) reaches the worker within this long. */
export const SHOP_PROFILE_CACHE_MS = 5_000;

/**
 * The worker's view of the `shops` table: each shop's sender identity, postal address and discount
 * source. The default shop (SHOP_ID) is never looked up: its settings are the environment's.
 * With no shop in the table (a single-shop install) every shop is the default one: before the
 * table existed the worker never read SHOP_ID, so a worker started without the server's SHOP_ID
 * must keep sending as it did rather than fail every chain after an upgrade.
 */
export function createShopProfiles({
  db,
  config,
  logger,
  now = Date.now,
}: {
  db: Db;
  config: Pick<Config, 'SHOP_ID' | 'SHOP_API_TIMEOUT' | 'SHOPIFY_API_TIMEOUT'>;
  logger: Logger;
  now?: () => number;
}): ShopProfiles {
  const rows = new Map<string, { at: number; shop: Promise<ShopRecord | undefined> }>();
  let anyShops: { at: number; value: Promise<boolean> } | undefined;
  // One client per shop and setting, so Shopify's throttling state survives between sends.
  const apis = new Map<string, ShopDiscountApi | undefined>();

  const rowOf = (shopId: string) => {
    const hit = rows.get(shopId);
    if (hit && now() - hit.at < SHOP_PROFILE_CACHE_MS) return hit.shop;
    const shop = findShop(db, shopId);
    rows.set(shopId, { at: now(), shop });
    shop.catch(() => rows.delete(shopId));
    return shop;
  };

  const installHasShops = () => {
    if (anyShops && now() - anyShops.at < SHOP_PROFILE_CACHE_MS) return anyShops.value;
    const value = hasShops(db);
    anyShops = { at: now(), value };
    value.catch(() => (anyShops = undefined));
    return value;
  };

  function discountApiOf(shop: ShopRecord): ShopDiscountApi | undefined {
    const key = `${shop.id}:${shop.shopifyDomain}:${JSON.stringify(shop.discountSource)}`;
    if (apis.has(key)) return apis.get(key);
    const source = shop.discountSource;
    let api: ShopDiscountApi | undefined;
    if (source.kind === 'shop_api') {
      api = createShopDiscountApi({ baseUrl: source.url, token: source.token, timeoutMs: config.SHOP_API_TIMEOUT });
    } else if (source.kind === 'shopify' && shop.shopifyDomain) {
      api = createShopifyDiscountApi({
        shopDomain: shop.shopifyDomain,
        accessToken: source.adminToken,
        apiVersion: source.apiVersion,
        timeoutMs: config.SHOPIFY_API_TIMEOUT,
        onDeactivateRefused: ({ externalId, errors }) =>
          logger.warn(
            { shopId: shop.id, externalId, errors },
            'Shopify refused to deactivate a code; it ends at its expiry',
          ),
      });
    }
    apis.set(key, api);
    return api;
  }

  return {
    async forShop(shopId) {
      if (shopId === config.SHOP_ID) return 'default';
      const shop = await rowOf(shopId);
      if (!shop) return (await installHasShops()) ? 'unknown' : 'default';
      const profile: ShopProfile = {};
      if (shop.fromAddress) {
        profile.from = fromHeader({ name: shop.fromName, address: shop.fromAddress });
        // Stored canonical (domain in A-labels), so it is fit for a Message-ID as it is.
        profile.senderDomain = shop.fromAddress.slice(shop.fromAddress.lastIndexOf('@') + 1);
      }
      // A second shop's welcome must not say "How Cartflow Shop works": its own name, as in From.
      if (shop.fromName) profile.name = shop.fromName;
      if (shop.replyTo) profile.replyTo = shop.replyTo;
      if (shop.postalAddress !== null) profile.postalAddress = shop.postalAddress;
      if (shop.dkim)
        profile.dkim = {
          domainName: shop.dkim.domain,
          keySelector: shop.dkim.selector,
          privateKey: shop.dkim.privateKey,
        };
      const shopApi = discountApiOf(shop);
      if (shopApi) profile.shopApi = shopApi;
      return profile;
    },
  };
}
