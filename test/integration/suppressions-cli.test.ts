import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suppressionFor } from '../../db/suppression-store';
import { Customer } from '../../domain/events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { inheritedEnv } from '../helpers/test-env';

// `npm run suppressions` as an operator runs it: a real process against a real Postgres.
const shopId = 'shop-cli';
const root = path.resolve(import.meta.dirname, '../..');
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.sql`
    insert into suppressions (shop_id, email, reason, source, detail, created_at) values
      (${shopId}, 'bounced@example.com', 'hard_bounce', 'sendgrid', 'bounce: 550 5.1.1 "no such user", sorry', '2026-01-02T03:04:05Z'),
      ('other-shop', 'elsewhere@example.com', 'complaint', 'sendgrid', null, '2026-01-01T00:00:00Z')`;
});
afterAll(async () => {
  await database?.drop();
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // bin/cartflow.js, as `npm run` runs it (npx would add npm's own warnings to stderr).
    execFile(
      process.execPath,
      ['bin/cartflow.js', 'suppressions', ...args],
      { cwd: root, env: { ...inheritedEnv(), DATABASE_URL: database.url, SHOP_ID: shopId, LOG_LEVEL: 'silent' } },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

const rowOf = async (email: string) =>
  (await database.sql`select reason, source from suppressions where shop_id = ${shopId} and email = ${email}`)[0];

describe('npm run suppressions', () => {
  it('add suppresses an address by hand (lower-cased, reason manual) and says so; twice is not an error', async () => {
    const added = await cli('add', 'Manual@Example.com');
    expect(added).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^suppressed manual@example\.com \(manual, source cli, since /),
    });
    expect(await rowOf('manual@example.com')).toEqual({ reason: 'manual', source: 'cli' });

    const again = await cli('add', 'manual@example.com', '--reason', 'complaint');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^already suppressed: manual@example\.com \(manual/);
  });

  it('an address added as A-labels in capitals suppresses the customer stored under the U-label spelling', async () => {
    const added = await cli('add', 'x@XN--80AKHBYKNJ4F.XN--P1AI');
    expect(added.code).toBe(0);
    // The customer as the webhook stores them (the schema canonicalises), and as a step checks them.
    const customer = Customer.parse({ email: 'x@испытание.рф' });
    const found = await suppressionFor(database.db, { shopId, email: customer.email });
    expect(found).toMatchObject({ email: 'x@xn--80akhbyknj4f.xn--p1ai', reason: 'manual' });

    const removed = await cli('remove', 'X@Испытание.РФ');
    // Output for people shows the domain as they write it; the row above keeps the A-labels.
    expect(removed.stdout).toMatch(/^removed x@испытание\.рф /);
  });

  it('list shows an IDN address in U-labels to people, and in its stored A-label form as JSON', async () => {
    await cli('add', 'покупатель@магазин.рф', '--reason', 'unsubscribed');
    const table = await cli('list', '--reason', 'unsubscribed');
    expect(table.stdout).toMatch(/^покупатель@магазин\.рф\s+unsubscribed\s+cli\s/m);
    expect(table.stdout).not.toContain('xn--');

    const json = await cli('list', '--reason', 'unsubscribed', '--json');
    const rows = JSON.parse(json.stdout) as Array<{ email: string }>;
    expect(rows.map((row) => row.email)).toEqual(['покупатель@xn--80aairftm.xn--p1ai']);
  });

  it('list shows this shop only, filters by reason, and prints JSON for scripts', async () => {
    await cli('add', 'listed@example.com', '--reason', 'complaint');
    const table = await cli('list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^EMAIL\s+REASON\s+SOURCE\s+SINCE$/m);
    expect(table.stdout).toMatch(/^bounced@example\.com\s+hard_bounce\s+sendgrid\s+2026-01-02T03:04:05\.000Z$/m);
    expect(table.stdout).not.toContain('elsewhere@example.com');

    const json = await cli('list', '--reason', 'complaint', '--json');
    const rows = JSON.parse(json.stdout) as Array<{ email: string; reason: string }>;
    expect(rows.map((row) => [row.email, row.reason])).toEqual([['listed@example.com', 'complaint']]);
  });

  it('export writes a CSV with a header row, quoting what needs it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-suppressions-'));
    const out = path.join(dir, 'suppressions.csv');
    const result = await cli('export', '--out', out, '--reason', 'hard_bounce');
    expect(result).toMatchObject({ code: 0, stdout: `wrote 1 address(es) to ${out}\n` });
    expect(await readFile(out, 'utf8')).toBe(
      'email,reason,source,detail,created_at\r\n' +
        'bounced@example.com,hard_bounce,sendgrid,"bounce: 550 5.1.1 ""no such user"", sorry",2026-01-02T03:04:05.000Z\r\n',
    );
  });

  it('remove prints what it removed; a missing address is a clear error with exit code 1', async () => {
    // An IDN address is stored with its A-label domain and shown as typed, in both answers.
    await cli('add', 'zoë@bücher.example');
    const removed = await cli('remove', 'ZOË@BÜCHER.EXAMPLE');
    expect(removed).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^removed zoë@bücher\.example \(manual, source cli, since /),
    });
    expect(await rowOf('zoë@xn--bcher-kva.example')).toBeUndefined();

    const missing = await cli('remove', 'zoë@bücher.example');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `cartflow: zoë@bücher.example is not on the suppression list of shop ${shopId}; nothing removed\n`,
    );
  });

  it('a bad argument is named on the first line (usage follows), never a stack trace', async () => {
    const notEmail = await cli('add', 'not-an-address');
    expect(notEmail.code).toBe(2);
    expect(notEmail.stderr.split('\n')[0]).toBe(
      "error: command-argument value 'not-an-address' is invalid for argument 'email'. must be an email address: no @",
    );
    const badReason = await cli('list', '--reason', 'bored');
    expect(badReason.code).toBe(2);
    expect(badReason.stderr.split('\n')[0]).toContain(
      'Allowed choices are unsubscribed, hard_bounce, soft_bounce, complaint, manual',
    );
    for (const output of [notEmail.stderr, badReason.stderr]) expect(output).not.toMatch(/\n\s+at /);
  });
});
