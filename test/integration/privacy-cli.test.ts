import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { minimalEnv } from '../helpers/test-env';

// `npm run privacy` as an operator runs it: a real process against a real Postgres and Temporal.
const shopId = 'shop-privacy-cli';
const root = path.resolve(import.meta.dirname, '../..');
const person = { email: 'nora@example.com', name: 'Nora Privacy' };
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  const [customer] = await database.sql`insert into customers (shop_id, email, name, marketing_consent)
    values (${shopId}, ${person.email}, ${person.name}, true) returning id`;
  await database.sql`insert into carts (shop_id, cart_id, customer_id, snapshot)
    values (${shopId}, 'cart-cli-1', ${customer!.id}, ${database.sql.json({ customer: person })})`;
  await database.sql`insert into messages (key, shop_id, cart_id, customer_id, recipient, step, template_id,
      template_version, status, message_id_header)
    values ('cli-key-1', ${shopId}, 'cart-cli-1', ${customer!.id}, ${person.email}, 'reminder', 'cart-reminder',
      'v1', 'sent', '<cli-1@example.com>')`;
  await database.sql`insert into suppressions (shop_id, email, reason, source)
    values (${shopId}, ${person.email}, 'unsubscribed', 'one_click')`;
});
afterAll(async () => {
  await database?.drop();
});

/** A data folder no `npm start` runs on (the checkout's own .data might have one). */
const emptyDataDir = () => mkdtemp(path.join(os.tmpdir(), 'cartflow-privacy-data-'));

function privacy(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    // bin/cartflow.js, as `npm run` runs it (npx would add npm's own warnings to stderr).
    execFile(
      process.execPath,
      ['bin/cartflow.js', 'privacy', ...args],
      {
        cwd: root,
        env: { PATH: minimalEnv().PATH, HOME: minimalEnv().HOME, DATABASE_URL: database.url, SHOP_ID: shopId, ...env },
      },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run privacy', () => {
  it('export prints every row held about the person, or writes it to a file only the operator can read', async () => {
    const printed = await privacy(['export', person.email]);
    expect(printed.code).toBe(0);
    const document = JSON.parse(printed.stdout);
    expect(document.customer).toMatchObject({ email: person.email, name: person.name });
    expect(document.carts).toHaveLength(1);
    expect(document.messages).toEqual([expect.objectContaining({ recipient: person.email, step: 'reminder' })]);
    expect(document.suppressions).toEqual([expect.objectContaining({ reason: 'unsubscribed' })]);

    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'cartflow-privacy-')), 'nora.json');
    expect((await privacy(['export', person.email, '--out', out])).code).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({ ...document, exportedAt: expect.any(String) });
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });

  it('refuses a malformed address, an erase without --yes, and an erase that could not stop workflows', async () => {
    const malformed = await privacy(['export', 'not-an-address']);
    expect(malformed.code).not.toBe(0);
    expect(malformed.stderr).toContain('not an email address');

    const unconfirmed = await privacy(['erase', person.email]);
    expect(unconfirmed.code).not.toBe(0);
    expect(unconfirmed.stderr).toContain('--yes');

    // No TEMPORAL_ADDRESS and no `npm start` on DATA_DIR, while Nora's cart still waits for abandonment.
    const noTemporal = await privacy(['erase', person.email, '--yes'], { DATA_DIR: await emptyDataDir() });
    expect(noTemporal.code).not.toBe(0);
    expect(noTemporal.stderr).toContain('nothing erased: this person has 1 running workflow(s) to stop first');
    expect(noTemporal.stderr).toContain('start `npm start` on this DATA_DIR (or set TEMPORAL_ADDRESS');
    expect(noTemporal.stderr).not.toMatch(/\n\s+at /); // one line, no stack trace
    const [customer] = await database.sql`select email from customers where shop_id = ${shopId}`;
    expect(customer?.email).toBe(person.email); // nothing erased
  });

  it('erase --yes needs no Temporal for a person none of whose workflows runs', async () => {
    const email = 'finished@example.com';
    await database.sql`insert into customers (shop_id, email, name) values (${shopId}, ${email}, 'Done Already')`;
    await database.sql`insert into suppressions (shop_id, email, reason, source)
      values (${shopId}, ${email}, 'unsubscribed', 'one_click')`;

    const erased = await privacy(['erase', email, '--yes'], { DATA_DIR: await emptyDataDir() });
    expect(erased.stderr).toBe('');
    expect(erased.code).toBe(0);
    expect(erased.stdout).toContain('workflows stopped   0');
    expect(await database.sql`select * from customers where shop_id = ${shopId} and email = ${email}`).toEqual([]);
    expect(await database.sql`select * from suppressions where email = ${email}`).toEqual([]);
  });

  it('erase --yes removes the address from every table and the .eml copies; a second export finds nothing', async () => {
    // Without SMTP_URL, `npm start` keeps every email it sent as an .eml file in OUTBOX_DIR.
    const outbox = await mkdtemp(path.join(os.tmpdir(), 'cartflow-privacy-outbox-'));
    const eml = (messageId: string, to: string) =>
      `Return-Path: <shop@localhost>\r\nFrom: Shop <shop@localhost>\r\nTo: ${to}\r\nMessage-ID: ${messageId}\r\n` +
      `Subject: Your cart\r\n\r\nHello ${to}\r\n`;
    await writeFile(path.join(outbox, '2026-01-01T00-00-00-000Z-aaaa.eml'), eml('<cli-1@example.com>', person.email));
    await writeFile(
      path.join(outbox, '2026-01-01T00-00-01-000Z-bbbb.eml'),
      eml('<other@example.com>', 'x@example.com'),
    );

    const erased = await privacy(['erase', person.email, '--yes'], {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      OUTBOX_DIR: outbox,
    });
    expect(erased.stderr).toBe('');
    expect(erased.code).toBe(0);
    expect(erased.stdout).toContain('erased (shop shop-privacy-cli)');
    expect(erased.stdout).toContain('outbox_files        1 file(s) deleted');
    expect(await readdir(outbox)).toEqual(['2026-01-01T00-00-01-000Z-bbbb.eml']);

    const [customer] = await database.sql`select email, name from customers where shop_id = ${shopId}`;
    expect(customer?.email).toMatch(/@erased\.invalid$/);
    expect(customer?.name).toBeNull();
    expect(await database.sql`select recipient from messages where key = 'cli-key-1'`).toEqual([{ recipient: null }]);
    expect(await database.sql`select * from suppressions where shop_id = ${shopId}`).toHaveLength(0);

    const again = await privacy(['export', person.email]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ customer: null, carts: [], messages: [], suppressions: [] });
    expect(again.stderr).toContain('no data held for this address');
  });
  it('erase-shop --yes erases everyone of SHOP_ID and nobody else', async () => {
    // As cartflow stores addresses: canonical (an IDN domain in its ASCII form).
    const people = ["o'neil@example.com", 'анна@xn--e1afmkfd.xn--p1ai'];
    for (const email of people) {
      await database.sql`insert into customers (shop_id, email, name, marketing_consent)
        values (${shopId}, ${email}, 'Shop Person', true)`;
      await database.sql`insert into suppressions (shop_id, email, reason, source)
        values (${shopId}, ${email}, 'unsubscribed', 'one_click')`;
    }
    await database.sql`insert into customers (shop_id, email, name) values ('another-shop', ${people[0]!}, 'Kept')`;

    const unconfirmed = await privacy(['erase-shop']);
    expect(unconfirmed.code).not.toBe(0);
    expect(unconfirmed.stderr).toContain(
      `erasing every person of shop ${shopId} is irreversible: run again with --yes`,
    );

    const noTemporal = await privacy(['erase-shop', '--yes'], { DATA_DIR: await emptyDataDir() });
    expect(noTemporal.code).not.toBe(0);
    expect(noTemporal.stderr).toContain('stopping running workflows needs Temporal');
    expect(await database.sql`select * from suppressions where shop_id = ${shopId}`).not.toHaveLength(0);

    const erased = await privacy(['erase-shop', '--yes'], { TEMPORAL_ADDRESS: inject('temporalAddress') });
    expect(erased.stderr).toBe('');
    expect(erased.code).toBe(0);
    // Two, plus the person of beforeAll when this test runs alone.
    expect(erased.stdout).toMatch(new RegExp(`^erased [23] people \\(shop ${shopId}\\)\n$`));
    const left =
      await database.sql`select email from customers where shop_id = ${shopId} and email not like '%@erased.invalid'`;
    expect(left).toEqual([]);
    expect(await database.sql`select * from suppressions where shop_id = ${shopId}`).toHaveLength(0);
    expect(await database.sql`select name from customers where shop_id = 'another-shop'`).toEqual([{ name: 'Kept' }]);
  });
});
