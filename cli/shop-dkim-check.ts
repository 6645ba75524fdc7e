import { checkDkimKey } from '../app/dkim-config';
import type { Config } from '../config/env';
import { configuredDatabase, withDatabase } from '../db/client';
import { type ShopRecord, findShop } from '../db/shop-store';
import { parseEmailAddress } from '../domain/email-address';
import { type DkimCheckResult, dkimRecordReport } from './dkim-check';
import { shopOfCommand } from './shop-option';
import { UsageError } from './usage-error';

// `cartflow dkim check --shop <id>`: the record for a shop's own key (`shops add --dkim-*`,
// `shops set-dkim`), read from the shops table and printed as the install's key is, so an operator
// never derives the public key by hand. The default shop is not looked up here: it has DKIM_*.

type ShopDkimEnv = Pick<
  Config,
  | 'SHOP_ID'
  | 'DATABASE_URL'
  | 'DATA_DIR'
  | 'EMBEDDED_DB_PORT'
  | 'DKIM_DOMAIN'
  | 'DKIM_SELECTOR'
  | 'DKIM_PRIVATE_KEY'
  | 'DKIM_PRIVATE_KEY_FILE'
>;

/** The TXT record of the shop's own key; throws UnknownShopError for an id the install lacks. */
export async function checkShopDkim(config: ShopDkimEnv, shopId: string): Promise<DkimCheckResult> {
  const shop = await withDatabase(configuredDatabase(config), async ({ db }) => {
    const id = await shopOfCommand(db, {
      named: shopId,
      defaultShopId: config.SHOP_ID,
      consequence: 'no record printed',
    });
    return findShop(db, id);
  });
  if (!shop?.dkim) return { ok: false, report: '', warnings: [withoutOwnKey(shopId, config)] };
  const checked = checkDkimKey(shop.dkim.privateKey);
  // `shops add` and `set-dkim` check the key, but the table takes any text (a hand-edited row):
  // named as the install's unusable DKIM_PRIVATE_KEY is, by its type or parser error, never its text.
  if (!checked.ok)
    throw new UsageError(
      `shop ${shopId}'s stored DKIM key ${checked.reason}; give it a new one with: npx cartflow shops set-dkim ${shopId}`,
    );
  const warnings =
    checked.bits !== undefined && checked.bits < 2048 ? ['DKIM key is shorter than the advised 2048 bits'] : [];
  const settings = { domainName: shop.dkim.domain, keySelector: shop.dkim.selector, privateKey: shop.dkim.privateKey };
  return { ok: true, report: dkimRecordReport(settings, { fromDomain: fromDomainOf(shop) }), warnings };
}

/** The From domain as A-labels, as the signing domain is stored; `set-dkim` needs a From address. */
function fromDomainOf(shop: ShopRecord): string {
  const parsed = shop.fromAddress ? parseEmailAddress(shop.fromAddress) : undefined;
  return parsed?.ok ? parsed.address.domain : (shop.dkim?.domain ?? '');
}

/** One line: which key signs the shop's mail instead, so the operator knows which record matters. */
function withoutOwnKey(shopId: string, config: ShopDkimEnv): string {
  const installKey = Boolean(
    config.DKIM_DOMAIN || config.DKIM_SELECTOR || config.DKIM_PRIVATE_KEY || config.DKIM_PRIVATE_KEY_FILE,
  );
  return installKey
    ? `shop ${shopId} has no DKIM key of its own: the install's key (DKIM_*) signs its mail; its record: npx cartflow dkim check`
    : `shop ${shopId} has no DKIM key of its own and DKIM_* are not set: nothing signs its mail (docs/shops.md, "DKIM for each shop")`;
}
