import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopCampaigns } from '../../app/shop-campaigns';
import { addShop } from '../../db/shop-store';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

// Which campaigns the server hands a shop's workflows: its own folder's, else the install's.
const fastDir = path.resolve(import.meta.dirname, '../fixtures/campaigns-fast');
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  const shop = { platform: 'generic' as const, shopifyDomain: null, fromName: null, fromAddress: null, replyTo: null };
  const rest = {
    postalAddress: null,
    defaultLocale: null,
    currencies: null,
    discountSource: { kind: 'builtin' as const },
  };
  await addShop(database.db, {
    id: 'own',
    webhookSecret: 'own-secret-0123456789',
    ...shop,
    ...rest,
    campaignsDir: fastDir,
  });
  await addShop(database.db, {
    id: 'plain',
    webhookSecret: 'plain-secret-0123456789',
    ...shop,
    ...rest,
    campaignsDir: null,
  });
});
afterAll(async () => {
  await database?.drop();
});

describe("a shop's campaigns", () => {
  it("a shop with a campaigns dir gets that folder's campaigns; the default and other shops get the install's (undefined)", async () => {
    const campaignsOf = createShopCampaigns({ db: database.db, defaultShopId: 'main' });
    const own = await campaignsOf('own');
    expect(own?.length).toBeGreaterThan(0);
    expect(await campaignsOf('plain')).toBeUndefined();
    expect(await campaignsOf('main')).toBeUndefined();
    // A folder is read once: the second shop lookup returns the same loaded campaigns.
    expect(await campaignsOf('own')).toBe(own);
  });
});
