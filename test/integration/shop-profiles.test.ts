import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOP_PROFILE_CACHE_MS, createShopProfiles } from '../../app/shop-profiles';
import { addShop, removeShop } from '../../db/shop-store';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { shopRow } from '../helpers/shop-row';

// Which identity the worker sends a shop's emails with, before and after the install has shops.
let database: TestDatabase;
let clock = 0;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

const profiles = () =>
  createShopProfiles({
    db: database.db,
    config: { SHOP_ID: 'default', SHOP_API_TIMEOUT: 5_000, SHOPIFY_API_TIMEOUT: 10_000 },
    logger: pino({ level: 'silent' }),
    now: () => clock,
  });

describe('the worker’s shop profiles', () => {
  it('with no shop added, a shop id the worker was not given (SHOP_ID on the server only) sends as the install', async () => {
    const shops = profiles();
    expect(await shops.forShop('default')).toBe('default');
    expect(await shops.forShop('shop-set-on-the-server-only')).toBe('default');
  });

  it('once the install has shops, each sends as itself and a removed one is unknown (nothing sent under another name)', async () => {
    const shops = profiles();
    await addShop(
      database.db,
      shopRow({
        id: 'boutique',
        webhookSecret: 'boutique-secret-0123456789abcdef',
        fromName: 'Boutique d’Été & Fils',
        fromAddress: 'bonjour@boutique.example',
      }),
    );
    clock += SHOP_PROFILE_CACHE_MS;
    expect(await shops.forShop('boutique')).toEqual({
      from: expect.stringContaining('bonjour@boutique.example'),
      // {{shop.name}} in its emails: its own, not templates/shop.json's.
      name: 'Boutique d’Été & Fils',
      // Its Message-IDs and List-Id name its own domain.
      senderDomain: 'boutique.example',
    });
    expect(await shops.forShop('never-added')).toBe('unknown');

    await removeShop(database.db, 'boutique');
    await addShop(database.db, shopRow({ id: 'other', webhookSecret: 'other-secret-0123456789abcdef' }));
    clock += SHOP_PROFILE_CACHE_MS;
    expect(await shops.forShop('boutique')).toBe('unknown');
    expect(await shops.forShop('default')).toBe('default');
  });
});
