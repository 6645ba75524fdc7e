import type { Db } from '../db/client';
import { type ShopRecord, findShop, findShopByDomain } from '../db/shop-store';

/** Names the shop of a generic webhook (`POST /webhooks/cart`); absent: the default shop (SHOP_ID). */
export const SHOP_HEADER = 'cartflow-shop';

/** What the webhook routes need of a shop: whose rows and workflows, and which secrets verify it. */
export interface WebhookShop {
  shopId: string;
  /** Current first, then the previous one during a rotation. */
  secrets: string[];
  /** Shopify: the shop's myshopify.com domain, when known. */
  shopifyDomain?: string;
  /** Shopify: the currencies it sells in; a checkout in another is refused. */
  currencies?: string[];
  /** Shopify: where welcome emails send new customers. */
  storeUrl?: string;
  /** The language of customers whose webhook gives none (`cartflow shops add --locale`). */
  defaultLocale?: string;
}

export interface ShopResolver {
  /** The generic webhook's shop: `undefined` (no header) or the default's id is the default shop. */
  byId(shopId: string | undefined): Promise<WebhookShop | undefined>;
  /** The Shopify webhook's shop: the shop with that domain, else the default one if it accepts that domain. */
  byShopifyDomain(domain: string): Promise<WebhookShop | undefined>;
}

export interface ShopResolverOptions {
  db: Db;
  /** The default shop, from the environment (SHOP_ID, WEBHOOK_SECRET). */
  defaultShop: { shopId: string; secrets: string[] };
  /** The default shop's Shopify settings (SHOPIFY_*); absent: it takes no Shopify webhooks. */
  defaultShopify?: { secrets: string[]; shopDomain?: string; currencies?: string[]; storeUrl?: string };
  /** How long a looked-up shop (or its absence) is reused: a rotation takes effect within this. */
  cacheMs?: number;
  now?: () => number;
}

/** A rotation or a new shop takes effect within this long, at the cost of one query per shop per period. */
export const SHOP_CACHE_MS = 5_000;

/**
 * Finds a webhook's shop: the default one from the environment without touching the database (the
 * single-shop hot path stays as it was), any other from the `shops` table, cached briefly.
 */
export function createShopResolver(options: ShopResolverOptions): ShopResolver {
  const { db, defaultShop, defaultShopify, cacheMs = SHOP_CACHE_MS, now = Date.now } = options;
  const cache = new Map<string, { at: number; shop: Promise<ShopRecord | undefined> }>();

  function cached(key: string, load: () => Promise<ShopRecord | undefined>): Promise<ShopRecord | undefined> {
    const hit = cache.get(key);
    if (hit && now() - hit.at < cacheMs) return hit.shop;
    const shop = load();
    cache.set(key, { at: now(), shop });
    // A failed lookup (database down) is not remembered: the next request asks again.
    shop.catch(() => cache.delete(key));
    return shop;
  }

  return {
    async byId(shopId) {
      if (shopId === undefined || shopId === defaultShop.shopId) return defaultShop;
      const shop = await cached(`id:${shopId}`, () => findShop(db, shopId));
      return shop && { shopId: shop.id, secrets: shop.webhookSecrets, ...localeOf(shop) };
    },
    async byShopifyDomain(domain) {
      const shop = await cached(`domain:${domain}`, () => findShopByDomain(db, domain));
      if (shop) return shopifyShop(shop);
      if (!defaultShopify) return undefined;
      if (defaultShopify.shopDomain && defaultShopify.shopDomain !== domain) return undefined;
      return {
        shopId: defaultShop.shopId,
        secrets: defaultShopify.secrets,
        ...(defaultShopify.shopDomain ? { shopifyDomain: defaultShopify.shopDomain } : {}),
        ...(defaultShopify.currencies ? { currencies: defaultShopify.currencies } : {}),
        ...(defaultShopify.storeUrl ? { storeUrl: defaultShopify.storeUrl } : {}),
      };
    },
  };
}

function shopifyShop(shop: ShopRecord): WebhookShop {
  return {
    shopId: shop.id,
    secrets: shop.webhookSecrets,
    ...(shop.shopifyDomain ? { shopifyDomain: shop.shopifyDomain } : {}),
    ...(shop.currencies ? { currencies: shop.currencies } : {}),
    ...localeOf(shop),
  };
}

const localeOf = (shop: ShopRecord) => (shop.defaultLocale ? { defaultLocale: shop.defaultLocale } : {});
