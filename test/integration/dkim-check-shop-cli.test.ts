import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addShop } from '../../db/shop-store';
import { type CliResult, runCartflow } from '../helpers/cartflow-cli';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { shopRow } from '../helpers/shop-row';

// `npx cartflow dkim check --shop <id>` as an operator runs it after giving a shop its own key: a
// real process against a real Postgres. The record printed must hold the public half of the key
// the worker signs that shop's mail with, and the private key must never be printed.
let database: TestDatabase;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-dkim-check-'));
  await addShop(database.db, shopRow({ id: 'plain', webhookSecret: 'a-secret-of-thirty-two-characters' }));
});
afterAll(async () => {
  await database?.drop();
});

function rsaKey() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    p: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

async function keyFile(name: string, pem: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, pem);
  return file;
}

const installKey = rsaKey();
const installDkim = {
  DKIM_DOMAIN: 'install.example',
  DKIM_SELECTOR: 'install2026',
  DKIM_PRIVATE_KEY: installKey.pem,
  MAIL_FROM: 'Shop <shop@install.example>',
};

const cartflow = (args: string[], env: Record<string, string> = {}) =>
  runCartflow(args, { DATABASE_URL: database.url, SHOP_ID: 'main', LOG_LEVEL: 'silent', ...env });

/** The TXT value of the record as printed on one line and as zone-file strings joined again. */
function printedRecord(stdout: string) {
  const lines = stdout.split('\n');
  const zoneLine = lines.find((line) => line.includes('  TXT  ')) ?? '';
  return {
    name: /^Publish this TXT record at (\S+):$/m.exec(stdout)?.[1],
    value: lines[2]?.trim(),
    zoneName: zoneLine.trim().split(/\s+/)[0],
    zoneValue: [...zoneLine.matchAll(/"([^"]*)"/g)].map((match) => match[1]).join(''),
    zoneStrings: [...zoneLine.matchAll(/"([^"]*)"/g)].map((match) => match[1]!),
  };
}

/** No line of the PEM (header or base64 body) appears in anything the command printed. */
function expectNoPrivateKey(result: CliResult, pem: string): void {
  const output = result.stdout + result.stderr;
  expect(output).not.toContain('PRIVATE KEY');
  for (const line of pem.split('\n').filter((text) => text.length > 20)) expect(output).not.toContain(line);
}

describe('npx cartflow dkim check --shop <id>', () => {
  it('prints the record of the key a shop was added with: its selector and domain, its public key, never the private key', async () => {
    const key = rsaKey();
    const added = await cartflow(
      [
        'shops',
        'add',
        'obrien',
        '--from-address',
        'hello@news.obrien.example',
        '--dkim-selector',
        's2026',
        '--dkim-key-file',
        await keyFile('obrien.pem', key.pem),
        '--dkim-domain',
        'obrien.example',
      ],
      installDkim,
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('; print it with: npx cartflow dkim check --shop obrien\n');

    const checked = await cartflow(['dkim', 'check', '--shop', 'obrien'], installDkim);
    expect(checked).toMatchObject({ code: 0, stderr: '' });
    expect(checked.stdout.split('\n')[0]).toBe(
      'DKIM signs mail from news.obrien.example as obrien.example, selector s2026, 2048-bit RSA key.',
    );
    const record = printedRecord(checked.stdout);
    expect(record.name).toBe('s2026._domainkey.obrien.example');
    expect(record.value).toBe(`v=DKIM1; k=rsa; p=${key.p}`);
    expect(record.zoneName).toBe('s2026._domainkey.obrien.example.');
    expect(record.zoneValue).toBe(`v=DKIM1; k=rsa; p=${key.p}`);
    expect(record.zoneStrings.every((part) => part.length <= 255)).toBe(true);
    expect(checked.stdout).not.toContain(installKey.p);
    expectNoPrivateKey(checked, key.pem);
  });

  it('after set-dkim, prints the new key: the command set-dkim names gives the record to publish', async () => {
    await addShop(
      database.db,
      shopRow({ id: 'lavka', webhookSecret: 'a-secret-of-thirty-two-characters', fromAddress: 'привет@магазин.рф' }),
    );
    const key = rsaKey();
    const set = await cartflow([
      'shops',
      'set-dkim',
      'lavka',
      '--dkim-selector',
      'l2027',
      '--dkim-key-file',
      await keyFile('lavka.pem', key.pem),
    ]);
    expect(set).toMatchObject({ code: 0, stderr: '' });
    expect(set.stdout).toMatch(/; print it with: npx cartflow dkim check --shop lavka\n$/);

    const checked = await cartflow(['dkim', 'check', '--shop', 'lavka']);
    expect(checked.code).toBe(0);
    const record = printedRecord(checked.stdout);
    expect(record.name).toBe('l2027._domainkey.xn--80aairftm.xn--p1ai');
    expect(record.value).toBe(`v=DKIM1; k=rsa; p=${key.p}`);
    expectNoPrivateKey(checked, key.pem);
  });

  it('a shop without a key of its own: one line naming what signs its mail, exit 1, no record', async () => {
    const withInstallKey = await cartflow(['dkim', 'check', '--shop', 'plain'], installDkim);
    expect(withInstallKey).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "warning: shop plain has no DKIM key of its own: the install's key (DKIM_*) signs its mail; its record: npx cartflow dkim check\n",
    });
    expectNoPrivateKey(withInstallKey, installKey.pem);

    const unsigned = await cartflow(['dkim', 'check', '--shop', 'plain']);
    expect(unsigned).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'warning: shop plain has no DKIM key of its own and DKIM_* are not set: nothing signs its mail (docs/shops.md, "DKIM for each shop")\n',
    });
  });

  it('a stored key that is not usable (a hand-edited row) is named in one line, exit 1, its text never printed', async () => {
    const notAKey =
      '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbCwganVzdCB0ZXh0IGZvciB0aGUgdGVzdA==\n-----END PRIVATE KEY-----\n';
    await addShop(
      database.db,
      shopRow({
        id: 'edited',
        webhookSecret: 'a-secret-of-thirty-two-characters',
        fromAddress: 'hi@edited.example',
        dkim: { domain: 'edited.example', selector: 'e1', privateKey: notAKey },
      }),
    );
    const checked = await cartflow(['dkim', 'check', '--shop', 'edited']);
    expect(checked).toMatchObject({ code: 1, stdout: '' });
    expect(checked.stderr).toMatch(
      /^cartflow: shop edited's stored DKIM key is not a usable PEM private key: [^\n]*; give it a new one with: npx cartflow shops set-dkim edited\n$/,
    );
    expectNoPrivateKey(checked, notAKey);
  });

  it('an unknown shop is refused as every --shop refuses it: one line, exit 1', async () => {
    const unknown = await cartflow(['dkim', 'check', '--shop', 'nope'], installDkim);
    expect(unknown).toEqual({
      code: 1,
      stdout: '',
      stderr: 'cartflow: no shop "nope" in this install (list them with: npx cartflow shops list); no record printed\n',
    });
  });

  it("the default shop, by --shop SHOP_ID or no --shop, is the install's DKIM_* record, read without the database", async () => {
    // Nothing listens here: a command that opened the database would fail.
    const noDatabase = { ...installDkim, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nothing' };
    const named = await runCartflow(['dkim', 'check', '--shop', 'main'], {
      SHOP_ID: 'main',
      LOG_LEVEL: 'silent',
      ...noDatabase,
    });
    const implicit = await runCartflow(['dkim', 'check'], { SHOP_ID: 'main', LOG_LEVEL: 'silent', ...noDatabase });
    expect(named).toMatchObject({ code: 0, stderr: '' });
    expect(named).toEqual(implicit);
    expect(printedRecord(named.stdout)).toMatchObject({
      name: 'install2026._domainkey.install.example',
      value: `v=DKIM1; k=rsa; p=${installKey.p}`,
    });
    expectNoPrivateKey(named, installKey.pem);
  });
});
