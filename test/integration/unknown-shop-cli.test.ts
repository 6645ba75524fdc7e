import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addShop } from '../../db/shop-store';
import { runCartflow } from '../helpers/cartflow-cli';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { shopRow } from '../helpers/shop-row';

// `--shop` as an operator with a typo meets it: a real process against a real Postgres. A shop
// the install does not have is refused before anything is read or written, with exit code 1,
// as `cartflow shops remove nope` and the HTTP APIs' unknown_shop do.
const defaultShopId = 'shop-flag-default';
const person = "o'brien@example.com";
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await addShop(database.db, shopRow({ id: 'obrien', webhookSecret: 'a-secret-of-thirty-two-characters' }));
  // A removed shop keeps its rows (`shops remove`): they can still be exported and erased.
  await database.sql`insert into customers (shop_id, email, name) values ('removed-shop', ${person}, 'Ann & Co')`;
});
afterAll(async () => {
  await database?.drop();
});

const cartflow = (...args: string[]) =>
  runCartflow(args, {
    DATABASE_URL: database.url,
    SHOP_ID: defaultShopId,
    LOG_LEVEL: 'silent',
    TEMPORAL_ADDRESS: inject('temporalAddress'),
  });

function expectUnknownShop(result: { code: number; stdout: string; stderr: string }, shop: string): void {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(
    new RegExp(`^cartflow: no shop "${shop}" in this install \\(list them with: npx cartflow shops list\\); .+\\n$`),
  );
}

describe('an unknown --shop', () => {
  it('privacy export refuses it instead of saying no data is held', async () => {
    expectUnknownShop(await cartflow('privacy', '--shop', 'nope', 'export', 'иван@пример.рф'), 'nope');
  });

  it('suppressions add refuses it and writes no suppression row', async () => {
    const added = await cartflow('suppressions', '--shop', 'nope', 'add', 'a@example.com');
    expectUnknownShop(added, 'nope');
    expect(added.stderr).toContain('nothing suppressed');
    expect(await database.sql`select shop_id from suppressions where email = 'a@example.com'`).toEqual([]);
  });

  it('privacy erase and erase-shop refuse it instead of "nothing erased" or "erased 0 people"', async () => {
    expectUnknownShop(await cartflow('privacy', '--shop', 'nope', 'erase', person, '--yes'), 'nope');
    expectUnknownShop(await cartflow('privacy', '--shop', 'nope', 'erase-shop', '--yes'), 'nope');
    expect(await database.sql`select shop_id from customers where email = ${person}`).toEqual([
      { shop_id: 'removed-shop' },
    ]);
  });

  it('suppressions list, report and discounts export refuse it instead of answering "none"', async () => {
    expectUnknownShop(await cartflow('suppressions', '--shop', 'nope', 'list'), 'nope');
    expectUnknownShop(await cartflow('report', '--shop', 'nope'), 'nope');
    expectUnknownShop(await cartflow('discounts', '--shop', 'nope', 'export'), 'nope');
  });

  it('a malformed one is a usage error naming the rule', async () => {
    const malformed = await cartflow('suppressions', '--shop', "o'brien shop", 'list');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain("option '--shop <id>' argument 'o'brien shop' is invalid");
    expect(malformed.stderr).toContain('letters, digits, _ . - only');
  });

  it('the default shop, a shop of the table and (to read or erase) a removed one with data are accepted', async () => {
    const listed = await cartflow('suppressions', 'list');
    expect(listed).toMatchObject({ code: 0, stdout: 'no suppressed addresses\n' });

    const added = await cartflow('suppressions', '--shop', 'obrien', 'add', 'b@example.com');
    expect(added.code).toBe(0);
    expect(await database.sql`select shop_id from suppressions where email = 'b@example.com'`).toEqual([
      { shop_id: 'obrien' },
    ]);

    const exported = await cartflow('privacy', '--shop', 'removed-shop', 'export', person);
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout).customer).toMatchObject({ email: person, name: 'Ann & Co' });
    // Nothing new is written under a removed shop.
    expectUnknownShop(await cartflow('suppressions', '--shop', 'removed-shop', 'add', person), 'removed-shop');
  });
});

describe('privacy export of an address with no data', () => {
  it('prints an export document with every table empty, so stdout redirected to a file is JSON', async () => {
    const result = await cartflow('privacy', 'export', 'иван@пример.рф');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`no data held for this address in shop ${defaultShopId}\n`);
    const document = JSON.parse(result.stdout);
    expect(document).toMatchObject({ shopId: defaultShopId, customer: null, carts: [], messages: [] });
    expect(document.email).toBe('иван@xn--e1afmkfd.xn--p1ai');

    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'cartflow-no-data-')), 'ivan.json');
    const written = await cartflow('privacy', 'export', 'иван@пример.рф', '--out', out);
    expect(written.code).toBe(0);
    expect(written.stdout).toBe('');
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({ ...document, exportedAt: expect.any(String) });
  });
});
