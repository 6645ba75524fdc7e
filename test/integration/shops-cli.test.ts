import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findShop, removeShop } from '../../db/shop-store';
import { runCartflow } from '../helpers/cartflow-cli';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { inheritedEnv } from '../helpers/test-env';

// `npm run shops` as an operator runs it: a real process against a real Postgres.
let database: TestDatabase;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-shops-'));
  // A chain still running in a shop that is about to be removed.
  await database.sql`
    insert into chains (workflow_id, shop_id, trigger, campaign_id, campaign_version, segment, status)
    values ('cart:busy:1', 'busy', 'cart.abandoned', 'consumer', 1, 'everyone', 'active')`;
});
afterAll(async () => {
  await database?.drop();
});

const cli = (...args: string[]) =>
  runCartflow(['shops', ...args], {
    ...inheritedEnv(),
    DATABASE_URL: database.url,
    SHOP_ID: 'main',
    SHOPIFY_SHOP_DOMAIN: 'main-shop.myshopify.com',
    LOG_LEVEL: 'silent',
  });

async function secretFile(name: string, secret: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `${secret}\n`);
  return file;
}

/** What `add` says of a shop with its own From domain and no DKIM key covering it (DKIM_DOMAIN unset here). */
const dkimNote = (id: string, domain: string) =>
  `note: shop ${id} sends from ${domain} without a DKIM key of its own and DKIM_DOMAIN is unset: unless your SMTP relay signs for ${domain}, receivers that check DMARC (Gmail, Yahoo, Outlook) junk or refuse its mail. Give it one: cartflow shops set-dkim ${id} --dkim-selector <selector> --dkim-key-file <pem file> (docs/shops.md#dkim-for-each-shop)\n`;

const printedSecret = (stdout: string) => stdout.trim().split('\n').at(-1) ?? '';

const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
const ed25519Pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('npm run shops', () => {
  it('add prints a strong secret once, stores the sender identity as given; a second add of the id is refused', async () => {
    const added = await cli(
      'add',
      'obrien',
      '--from-name',
      "O'Brien & Sons — «Лавка»",
      '--from-address',
      'hello@obrien.example',
      '--postal-address',
      '{"default":"3 rue de l\'Église, Paris","ru":"ул. Ленина 1"}',
      '--currencies',
      'eur, usd',
    );
    expect(added).toMatchObject({ code: 0, stderr: dkimNote('obrien', 'obrien.example') });
    expect(added.stdout).toMatch(/^added shop obrien \(generic\)\n/);
    const secret = printedSecret(added.stdout);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await findShop(database.db, 'obrien')).toMatchObject({
      webhookSecrets: [secret],
      fromName: "O'Brien & Sons — «Лавка»",
      postalAddress: { default: "3 rue de l'Église, Paris", ru: 'ул. Ленина 1' },
      currencies: ['EUR', 'USD'],
    });

    const again = await cli('add', 'obrien');
    expect(again).toMatchObject({
      code: 1,
      stderr: 'cartflow: a shop with id obrien already exists; nothing changed\n',
    });
    expect((await findShop(database.db, 'obrien'))?.webhookSecrets).toEqual([secret]);
  });

  it("add of a shop with its own From and no postal address says its emails show the install's (added all the same)", async () => {
    const added = await cli('add', 'no-address', '--from-address', 'hello@no-address.example');
    expect(added.code).toBe(0);
    expect(added.stderr).toBe(
      "note: shop no-address sends under its own From but has no --postal-address: its marketing emails show the install's (SHOP_POSTAL_ADDRESS, else templates/shop.json). If it is another company, remove it and add it again with its own --postal-address (docs/shops.md)\n" +
        dkimNote('no-address', 'no-address.example'),
    );
    expect(await findShop(database.db, 'no-address')).toMatchObject({ fromAddress: 'hello@no-address.example' });
    // Without a From of its own it sends as the install: nothing to say.
    expect((await cli('add', 'as-install')).stderr).toBe('');
    // The other tests list the install's shops.
    for (const id of ['no-address', 'as-install']) expect((await cli('remove', id)).code).toBe(0);
  });

  it('add of a shop with its own From domain that no DKIM key covers says its mail fails DMARC; one DKIM_DOMAIN covers needs none', async () => {
    const other = await cli('add', 'unsigned', '--from-address', 'hi@unsigned.example', '--postal-address', 'Street 1');
    expect(other).toMatchObject({ code: 0, stderr: dkimNote('unsigned', 'unsigned.example') });
    const withInstallKey = (...args: string[]) =>
      runCartflow(['shops', ...args], {
        ...inheritedEnv(),
        DATABASE_URL: database.url,
        SHOP_ID: 'main',
        DKIM_DOMAIN: 'mail.example.com',
        LOG_LEVEL: 'silent',
      });
    const covered = await withInstallKey(
      'add',
      'covered',
      '--from-address',
      'hi@news.mail.example.com',
      '--postal-address',
      'Street 1',
    );
    expect(covered).toMatchObject({ code: 0, stderr: '' });
    const notCovered = await withInstallKey(
      'add',
      'uncovered',
      '--from-address',
      'hi@example.com',
      '--postal-address',
      'Street 1',
    );
    expect(notCovered.stderr).toContain(
      'without a DKIM key of its own and DKIM_DOMAIN (mail.example.com) does not cover it',
    );
    // The other tests list the install's shops.
    for (const id of ['unsigned', 'covered', 'uncovered']) expect(await removeShop(database.db, id)).toBe(true);
  });

  it('add refuses a --from-name that is not one line of plain text (header injection, bidi override): one line, nothing stored', async () => {
    const injected = await cli(
      'add',
      'inject',
      '--from-name',
      'Evil Shop\r\nBcc: victim@evil.example',
      '--from-address',
      'a@b.example',
    );
    expect(injected).toMatchObject({
      code: 2,
      stderr:
        'cartflow: --from-name must be one line of text: no line break, control or bidi override character (found U+000D)\n',
    });
    const reversed = await cli('add', 'inject', '--from-name', 'Shop \u202Egpj.exe', '--from-address', 'a@b.example');
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain('(found U+202E)');
    expect(await findShop(database.db, 'inject')).toBeUndefined();
  });

  it('a Shopify shop takes its client secret from a file (never printed); a taken, the default or a bad domain is refused', async () => {
    const file = await secretFile('client-secret', 'shpss_0123456789abcdef0123456789abcdef');
    const added = await cli(
      'add',
      'north',
      '--platform',
      'shopify',
      '--shopify-domain',
      'North.MyShopify.com',
      '--secret-file',
      file,
    );
    expect(added).toMatchObject({ code: 0, stdout: 'added shop north (shopify, north.myshopify.com)\n' });

    const taken = await cli(
      'add',
      'north2',
      '--platform',
      'shopify',
      '--shopify-domain',
      'north.myshopify.com',
      '--secret-file',
      file,
    );
    expect(taken).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('north.myshopify.com already belongs to another shop'),
    });
    const theDefault = await cli('add', 'x', '--shopify-domain', 'main-shop.myshopify.com');
    expect(theDefault.stderr).toContain("is the default shop's SHOPIFY_SHOP_DOMAIN");
    const bad = await cli('add', 'y', '--shopify-domain', 'not a domain');
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toContain('must be a domain such as my-shop.myshopify.com');
    const noSecret = await cli('add', 'z', '--platform', 'shopify', '--shopify-domain', 'z.myshopify.com');
    expect(noSecret).toMatchObject({ code: 1, stderr: expect.stringContaining('needs --secret-file') });
    const defaultId = await cli('add', 'main');
    expect(defaultId.stderr).toContain("is this install's default shop (SHOP_ID)");
    for (const output of [taken.stderr, bad.stderr, noSecret.stderr]) expect(output).not.toMatch(/\n\s+at /);
  });

  it('list shows the shops and never a secret', async () => {
    const table = await cli('list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^main\s+env\s/m);
    expect(table.stdout).toMatch(/^obrien\s+generic\s+O'Brien & Sons — «Лавка» <hello@obrien\.example>/m);
    const json = await cli('list', '--json');
    const secrets = (await findShop(database.db, 'obrien'))!.webhookSecrets;
    for (const output of [table.stdout, json.stdout]) {
      for (const secret of secrets) expect(output).not.toContain(secret);
      expect(output).not.toContain('shpss_');
    }
    expect((JSON.parse(json.stdout) as Array<{ id: string }>).map((shop) => shop.id)).toEqual(['north', 'obrien']);
  });

  it('rotate-secret keeps the current secret as the previous one; an unknown shop is an error', async () => {
    const [before] = (await findShop(database.db, 'obrien'))!.webhookSecrets;
    const rotated = await cli('rotate-secret', 'obrien');
    expect(rotated.code).toBe(0);
    const next = printedSecret(rotated.stdout);
    expect((await findShop(database.db, 'obrien'))?.webhookSecrets).toEqual([next, before]);
    const twice = await cli('rotate-secret', 'obrien');
    expect((await findShop(database.db, 'obrien'))?.webhookSecrets).toEqual([printedSecret(twice.stdout), next]);

    const unknown = await cli('rotate-secret', 'nope');
    expect(unknown).toMatchObject({
      code: 1,
      stderr: 'cartflow: no shop nope (see cartflow shops list); nothing changed\n',
    });
  });

  it('remove refuses while chains run (unless --force), says what it keeps, and a second remove is an error', async () => {
    expect((await cli('add', 'busy')).code).toBe(0);
    const refused = await cli('remove', 'busy');
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('shop busy has 1 running chain(s)') });
    expect(await findShop(database.db, 'busy')).toBeDefined();

    const forced = await cli('remove', 'busy', '--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('1 running chain(s) will fail at their next step');
    expect(forced.stdout).toContain('cartflow privacy --shop busy erase-shop --yes');
    expect(await findShop(database.db, 'busy')).toBeUndefined();
    // The shop's data stays until someone erases it.
    expect(await database.sql`select 1 from chains where shop_id = 'busy'`).toHaveLength(1);

    const again = await cli('remove', 'busy');
    expect(again).toMatchObject({
      code: 1,
      stderr: 'cartflow: no shop busy (see cartflow shops list); nothing removed\n',
    });
  });

  it("add --dkim-* stores the shop's own key, its domain aligned with --from-address (IDN as A-labels); list shows where, never the key", async () => {
    const keyFile = await secretFile('kilkenny-dkim.pem', rsaPem);
    const added = await cli(
      'add',
      'kilkenny',
      '--from-address',
      'hello@news.kilkenny.example',
      '--dkim-selector',
      'k2026',
      '--dkim-key-file',
      keyFile,
      '--dkim-domain',
      'Kilkenny.example',
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('publish the public key as the TXT record k2026._domainkey.kilkenny.example');
    expect((await findShop(database.db, 'kilkenny'))?.dkim).toEqual({
      domain: 'kilkenny.example',
      selector: 'k2026',
      privateKey: `${rsaPem}\n`,
    });

    // No --dkim-domain: the From address's domain, as A-labels.
    const idn = await cli(
      'add',
      'lavka',
      '--from-address',
      'привет@Магазин.рф',
      '--dkim-selector',
      's1',
      '--dkim-key-file',
      keyFile,
    );
    expect(idn.code).toBe(0);
    expect((await findShop(database.db, 'lavka'))?.dkim).toMatchObject({
      domain: 'xn--80aairftm.xn--p1ai',
      selector: 's1',
    });

    const table = await cli('list');
    expect(table.stdout).toMatch(/^kilkenny\s.*\sk2026\._domainkey\.kilkenny\.example$/m);
    expect(table.stdout).toMatch(/^obrien\s.*\s\(DKIM_\*\)$/m);
    const json = await cli('list', '--json');
    const listed = (JSON.parse(json.stdout) as Array<{ id: string; dkim: unknown }>).find(
      (shop) => shop.id === 'kilkenny',
    );
    expect(listed?.dkim).toEqual({ domain: 'kilkenny.example', selector: 'k2026' });
    for (const output of [table.stdout, json.stdout]) expect(output).not.toContain('PRIVATE KEY');
  });

  it('add refuses a DKIM key it could not sign with, a bad selector or domain, and a domain the From address does not align with: one line, nothing stored', async () => {
    const keyFile = await secretFile('good-dkim.pem', rsaPem);
    const notAKey = await secretFile('not-a-key.pem', 'not a key');
    const edKey = await secretFile('ed25519.pem', ed25519Pem);
    const from = ['--from-address', 'hello@obrien.example'];
    const refusals: Array<[string[], RegExp]> = [
      [
        [...from, '--dkim-selector', 's1', '--dkim-key-file', '/nonexistent/dkim.pem'],
        /^cannot read --dkim-key-file \/nonexistent\/dkim\.pem \(ENOENT\)$/,
      ],
      [
        [...from, '--dkim-selector', 's1', '--dkim-key-file', notAKey],
        /^--dkim-key-file .*not-a-key\.pem is not a usable PEM private key: /,
      ],
      [
        [...from, '--dkim-selector', 's1', '--dkim-key-file', edKey],
        /is not a usable PEM private key: it is ed25519, and DKIM here signs with RSA only$/,
      ],
      [
        [...from, '--dkim-selector', 'bad_selector!', '--dkim-key-file', keyFile],
        /^--dkim-selector "bad_selector!" is not a DNS label/,
      ],
      [
        [...from, '--dkim-selector', 's1', '--dkim-key-file', keyFile, '--dkim-domain', 'not a domain'],
        /^--dkim-domain "not a domain" is not a domain: /,
      ],
      [
        [...from, '--dkim-selector', 's1', '--dkim-key-file', keyFile, '--dkim-domain', 'other.example'],
        /^--dkim-domain other\.example does not align with the From domain obrien\.example: give obrien\.example or a parent/,
      ],
      [[...from, '--dkim-selector', 's1'], /^--dkim-selector and --dkim-key-file go together/],
      [['--dkim-selector', 's1', '--dkim-key-file', keyFile], /^--dkim-selector needs --from-address/],
    ];
    for (const [options, reason] of refusals) {
      const refused = await cli('add', 'refused', ...options);
      expect({ options, code: refused.code }).toEqual({ options, code: 1 });
      expect(refused.stderr).toMatch(/^cartflow: [^\n]+\n$/);
      expect(refused.stderr.slice('cartflow: '.length, -1)).toMatch(reason);
      expect(refused.stderr).not.toContain('PRIVATE KEY');
    }
    expect(await findShop(database.db, 'refused')).toBeUndefined();
  });

  it('set-dkim gives a shop a new key (rotation) or --off drops it; an unknown shop, one without its own From or a bad key changes nothing', async () => {
    const newKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const keyFile = await secretFile('obrien-2027.pem', newKey);
    const set = await cli('set-dkim', 'obrien', '--dkim-selector', 'o2027', '--dkim-key-file', keyFile);
    expect(set).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('TXT record o2027._domainkey.obrien.example'),
    });
    expect((await findShop(database.db, 'obrien'))?.dkim).toEqual({
      domain: 'obrien.example',
      selector: 'o2027',
      privateKey: `${newKey}\n`,
    });

    const notAKey = await secretFile('obrien-bad.pem', 'not a key');
    const bad = await cli('set-dkim', 'obrien', '--dkim-selector', 'o2028', '--dkim-key-file', notAKey);
    expect(bad).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^cartflow: --dkim-key-file .* is not a usable PEM private key: [^\n]*\n$/),
    });
    expect((await findShop(database.db, 'obrien'))?.dkim?.selector).toBe('o2027');

    const unknown = await cli('set-dkim', 'nope', '--dkim-selector', 's1', '--dkim-key-file', keyFile);
    expect(unknown).toMatchObject({
      code: 1,
      stderr: 'cartflow: no shop nope (see cartflow shops list); nothing changed\n',
    });
    // `north` was added without --from-address: it sends as MAIL_FROM, which DKIM_* signs.
    const noFrom = await cli('set-dkim', 'north', '--dkim-selector', 's1', '--dkim-key-file', keyFile);
    expect(noFrom).toMatchObject({ code: 1, stderr: expect.stringContaining('shop north sends as MAIL_FROM') });
    expect((await findShop(database.db, 'north'))?.dkim).toBeNull();

    const off = await cli('set-dkim', 'obrien', '--off');
    expect(off).toMatchObject({ code: 0, stdout: "shop obrien now signs with the install's key (DKIM_*)\n" });
    expect((await findShop(database.db, 'obrien'))?.dkim).toBeNull();
  });
});
