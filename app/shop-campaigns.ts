import type { Db } from '../db/client';
import { findShop } from '../db/shop-store';
import type { Campaign } from '../domain/campaign';
import { loadCampaignDir } from './services';

/** How long a shop's campaigns dir setting is reused before the shops table is asked again. */
const SHOP_ROW_CACHE_MS = 5_000;

/**
 * The active campaigns of each shop with its own campaigns dir (`cartflow shops add
 * --campaigns-dir`); undefined for every other shop, which takes the install's. A folder is read
 * once per process, as CAMPAIGNS_DIR is: edited files take effect at the next start.
 */
export function createShopCampaigns({
  db,
  defaultShopId,
  now = Date.now,
}: {
  db: Db;
  defaultShopId: string;
  now?: () => number;
}): (shopId: string) => Promise<Campaign[] | undefined> {
  const dirs = new Map<string, { at: number; dir: Promise<string | null> }>();
  const folders = new Map<string, Promise<Campaign[]>>();
  const dirOf = (shopId: string) => {
    const hit = dirs.get(shopId);
    if (hit && now() - hit.at < SHOP_ROW_CACHE_MS) return hit.dir;
    const dir = findShop(db, shopId).then((shop) => shop?.campaignsDir ?? null);
    dirs.set(shopId, { at: now(), dir });
    dir.catch(() => dirs.delete(shopId));
    return dir;
  };
  return async (shopId) => {
    // The default shop's campaigns are the install's: no query on the single-shop path.
    if (shopId === defaultShopId) return undefined;
    const dir = await dirOf(shopId);
    if (!dir) return undefined;
    let folder = folders.get(dir);
    if (!folder) {
      folder = loadCampaignDir(dir).then(({ active }) => active);
      folders.set(dir, folder);
      // A broken file is read again at the next delivery, after someone fixed it.
      folder.catch(() => folders.delete(dir));
    }
    return folder;
  };
}
