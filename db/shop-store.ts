import { asc, and, count, eq, sql } from 'drizzle-orm';
import { LocalizedText } from '../domain/localized-text';
import { Currencies, DiscountSourceSetting } from '../domain/shop';
import { type Db, rowsOf } from './client';
import { chains, shops } from './schema';

type ShopRow = typeof shops.$inferSelect;

/** A shop as the rest of the code sees it: jsonb columns parsed, secrets in verification order. */
export interface ShopRecord {
  id: string;
  platform: ShopRow['platform'];
  shopifyDomain: string | null;
  /** The current secret first, then the previous one while it is still valid. */
  webhookSecrets: string[];
  secretRotatedAt: Date | null;
  fromName: string | null;
  fromAddress: string | null;
  replyTo: string | null;
  postalAddress: LocalizedText | null;
  defaultLocale: string | null;
  currencies: string[] | null;
  discountSource: DiscountSourceSetting;
  campaignsDir: string | null;
  /** The shop's own DKIM key; null: the install's DKIM_* sign its mail. */
  dkim: ShopDkim | null;
  createdAt: Date;
}

/** A shop's own DKIM signing identity: the private key is a secret, as the webhook secret is. */
export interface ShopDkim {
  /** Lower-case A-labels, the `d=` tag. */
  domain: string;
  selector: string;
  /** PEM text. */
  privateKey: string;
}

export type NewShop = Omit<ShopRecord, 'webhookSecrets' | 'secretRotatedAt' | 'createdAt' | 'dkim'> & {
  webhookSecret: string;
  /** Absent or null: the install's DKIM_* sign the shop's mail. */
  dkim?: ShopDkim | null;
};

export type AddShopResult =
  { kind: 'added'; shop: ShopRecord } | { kind: 'duplicate_id' } | { kind: 'duplicate_domain' };

function toRecord(row: ShopRow): ShopRecord {
  return {
    id: row.id,
    platform: row.platform,
    shopifyDomain: row.shopifyDomain,
    webhookSecrets: [row.webhookSecret, row.webhookSecretPrevious].filter((secret): secret is string => !!secret),
    secretRotatedAt: row.secretRotatedAt,
    fromName: row.fromName,
    fromAddress: row.fromAddress,
    replyTo: row.replyTo,
    // Written by this module only; parsed anyway so a hand-edited row fails here, naming the column.
    postalAddress: row.postalAddress === null ? null : LocalizedText.parse(row.postalAddress),
    defaultLocale: row.defaultLocale,
    currencies: row.currencies === null ? null : Currencies.parse(row.currencies),
    discountSource: DiscountSourceSetting.parse(row.discountSource),
    campaignsDir: row.campaignsDir,
    // All three or none (shops_dkim_check).
    dkim:
      row.dkimDomain && row.dkimSelector && row.dkimPrivateKey
        ? { domain: row.dkimDomain, selector: row.dkimSelector, privateKey: row.dkimPrivateKey }
        : null,
    createdAt: row.createdAt,
  };
}

function toRow({ dkim, ...shop }: NewShop): typeof shops.$inferInsert {
  return {
    ...shop,
    dkimDomain: dkim?.domain ?? null,
    dkimSelector: dkim?.selector ?? null,
    dkimPrivateKey: dkim?.privateKey ?? null,
  };
}

/** Adds a shop; a taken id or Shopify domain is reported, not thrown. */
export async function addShop(db: Db, shop: NewShop): Promise<AddShopResult> {
  return db.transaction(async (tx) => {
    if ((await tx.select({ id: shops.id }).from(shops).where(eq(shops.id, shop.id))).length > 0)
      return { kind: 'duplicate_id' };
    if (
      shop.shopifyDomain &&
      (await tx.select({ id: shops.id }).from(shops).where(eq(shops.shopifyDomain, shop.shopifyDomain))).length > 0
    )
      return { kind: 'duplicate_domain' };
    const [row] = await tx.insert(shops).values(toRow(shop)).onConflictDoNothing().returning();
    // A concurrent add of the same id or domain: the unique keys decided.
    if (!row) return { kind: 'duplicate_id' };
    return { kind: 'added', shop: toRecord(row) };
  });
}

export async function listShops(db: Db): Promise<ShopRecord[]> {
  return (await db.select().from(shops).orderBy(asc(shops.id))).map(toRecord);
}

export async function findShop(db: Db, id: string): Promise<ShopRecord | undefined> {
  const [row] = await db.select().from(shops).where(eq(shops.id, id));
  return row ? toRecord(row) : undefined;
}

/** Whether any shop was added with `cartflow shops add`: none means a single-shop install. */
export async function hasShops(db: Db): Promise<boolean> {
  const rows = await db.select({ id: shops.id }).from(shops).limit(1);
  return rows.length > 0;
}

export async function findShopByDomain(db: Db, shopifyDomain: string): Promise<ShopRecord | undefined> {
  const [row] = await db.select().from(shops).where(eq(shops.shopifyDomain, shopifyDomain));
  return row ? toRecord(row) : undefined;
}

/** The current secret becomes the previous one (the one before is dropped); undefined: no such shop. */
export async function rotateShopSecret(
  db: Db,
  { id, secret, now = new Date() }: { id: string; secret: string; now?: Date },
): Promise<ShopRecord | undefined> {
  const [row] = await db
    .update(shops)
    .set({ webhookSecret: secret, webhookSecretPrevious: shops.webhookSecret, secretRotatedAt: now })
    .where(eq(shops.id, id))
    .returning();
  return row ? toRecord(row) : undefined;
}

/** Sets (or, with null, drops) the shop's own DKIM key; undefined: no such shop. */
export async function setShopDkim(
  db: Db,
  { id, dkim }: { id: string; dkim: ShopDkim | null },
): Promise<ShopRecord | undefined> {
  const [row] = await db
    .update(shops)
    .set({
      dkimDomain: dkim?.domain ?? null,
      dkimSelector: dkim?.selector ?? null,
      dkimPrivateKey: dkim?.privateKey ?? null,
    })
    .where(eq(shops.id, id))
    .returning();
  return row ? toRecord(row) : undefined;
}

/** How many of the shop's chains are still running (`cartflow shops remove` refuses while any are). */
export async function activeChainCount(db: Db, shopId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(chains)
    .where(and(eq(chains.shopId, shopId), eq(chains.status, 'active')));
  return row?.n ?? 0;
}

/** Deletes the shop's own row only: its carts, messages and customers stay (privacy erase-shop removes them). */
export async function removeShop(db: Db, id: string): Promise<boolean> {
  return (await db.delete(shops).where(eq(shops.id, id)).returning({ id: shops.id })).length > 0;
}

/**
 * Whether any row still belongs to the shop: a removed shop keeps its carts, customers and messages
 * (`cartflow shops remove`), which can still be read, reported and erased under its id.
 */
export async function shopHoldsData(db: Db, shopId: string): Promise<boolean> {
  const result = await db.execute(sql`select
    exists (select 1 from customers where shop_id = ${shopId})
    or exists (select 1 from carts where shop_id = ${shopId})
    or exists (select 1 from cart_events where shop_id = ${shopId})
    or exists (select 1 from messages where shop_id = ${shopId})
    or exists (select 1 from chains where shop_id = ${shopId})
    or exists (select 1 from orders where shop_id = ${shopId})
    or exists (select 1 from discount_codes where shop_id = ${shopId})
    or exists (select 1 from suppressions where shop_id = ${shopId})
    or exists (select 1 from category_opt_outs where shop_id = ${shopId})
    or exists (select 1 from delivery_events where shop_id = ${shopId}) as held`);
  return rowsOf<{ held: boolean }>(result)[0]?.held === true;
}
