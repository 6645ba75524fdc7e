import { InvalidArgumentError, Option } from 'commander';
import type { Db } from '../db/client';
import { shopHoldsData } from '../db/shop-store';
import { ShopId } from '../domain/shop';
import { createShopResolver } from '../server/shop-resolver';

// `--shop <id>` of every command that acts on one shop's data: the same rule as the HTTP APIs'
// `Cartflow-Shop` header (server/request-shop.ts), so a typo is refused instead of answered with
// "no data" about a shop that does not exist, or written under it.

/** A `--shop` that names no shop of this install: one line on stderr, exit code 1 (app/process.ts). */
export class UnknownShopError extends Error {
  override name = 'UnknownShopError';
}

const shopIdArgument = (value: string): string => {
  const parsed = ShopId.safeParse(value.trim());
  if (!parsed.success) throw new InvalidArgumentError(`must be a shop id: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
};

/** The option itself: a malformed id is a usage error (exit code 2) before anything is opened. */
export const shopOption = (): Option =>
  new Option('--shop <id>', 'shop id (default: SHOP_ID; see cartflow shops list)').argParser(shopIdArgument);

export interface ShopOfCommandInput {
  /** The `--shop` value; absent: the default shop. */
  named: string | undefined;
  /** SHOP_ID: the default shop, which always exists. */
  defaultShopId: string;
  /** What the refusal adds, e.g. "nothing suppressed". */
  consequence: string;
  /**
   * Also accept a removed shop whose rows are still held (`shops remove` keeps them), so they can
   * still be read and erased. Commands that write new rows for the shop leave this off.
   */
  removedWithData?: boolean;
}

/** The shop id a command acts on; throws UnknownShopError, before anything is read or written, for any other. */
export async function shopOfCommand(db: Db, input: ShopOfCommandInput): Promise<string> {
  // The server's lookup; the CLI needs no webhook secret, and runs once, so nothing is cached for long.
  const shops = createShopResolver({ db, defaultShop: { shopId: input.defaultShopId, secrets: [] } });
  const shop = await shops.byId(input.named);
  if (shop) return shop.shopId;
  const named = input.named ?? input.defaultShopId;
  if (input.removedWithData && (await shopHoldsData(db, named))) return named;
  throw new UnknownShopError(
    `no shop "${named}" in this install (list them with: npx cartflow shops list); ${input.consequence}`,
  );
}
