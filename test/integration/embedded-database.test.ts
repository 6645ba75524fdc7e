import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { openDatabase } from '../../db/client';
import { lockFileOf } from '../../db/embedded';
import { suppressions } from '../../db/schema';
import { killWorkerProcesses, startWorkerProcess, type WorkerProcess } from '../fixtures/worker-process';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/free-port';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { minimalEnv } from '../helpers/test-env';

// The embedded database shared between `npm start` and the operator's commands, all as real
// processes: a CLI's writes land in the running instance and survive its restart.
const root = path.resolve(import.meta.dirname, '../..');
const shopId = 'shop-embedded';
let dataDir: string;
let pgliteDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-embedded-'));
  pgliteDir = path.join(dataDir, 'pglite');
});
afterAll(killWorkerProcesses);

/** Only what an operator's shell would set: no DATABASE_URL, so the embedded database is used. */
const baseEnv = () => ({ DATA_DIR: dataDir, SHOP_ID: shopId, LOG_LEVEL: 'silent' });

type CliResult = { code: number; stdout: string; stderr: string };

function cli(command: string, ...args: string[]): Promise<CliResult> {
  return cliWith({}, command, ...args);
}

function cliWith(env: Record<string, string>, command: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/cartflow.js', command, ...args],
      { cwd: root, env: { PATH: minimalEnv().PATH, HOME: minimalEnv().HOME, ...baseEnv(), ...env } },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `npm start` on the embedded database, with a one-step chain a second after abandonment. */
function startCartflow(options: { port: number; smtpUrl: string }): WorkerProcess {
  return startWorkerProcess(
    {
      ...baseEnv(),
      SMTP_URL: options.smtpUrl,
      WEBHOOK_SECRET: TEST_SECRET,
      ABANDON_AFTER: '1s',
      CAMPAIGNS_DIR: 'test/fixtures/campaigns-fast',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `embedded-${randomUUID()}`,
      PORT: String(options.port),
      EMBEDDED_DB_PORT: '0',
    },
    { script: 'cli/start.ts' },
  );
}

/** The connection string `npm start` prints in its banner, for psql and the like. */
async function servedUrl(start: WorkerProcess): Promise<string> {
  const line = await start.waitForLine(/^\s+Database\s+PGlite in .* served at postgres:\/\//, 120_000);
  return /(postgres:\/\/\S+)/.exec(line)![1]!;
}

describe('the embedded database while `npm start` runs', () => {
  let start: WorkerProcess;
  let url: string;
  let analyst: postgres.Sql;
  let smtp: MailCatcher;
  let webhooks: string;
  /** The cart of the customer who got her email, for the erase that follows. */
  let otherCartId: string;

  beforeAll(async () => {
    smtp = await startMailCatcher();
    const port = await freePort();
    webhooks = `http://127.0.0.1:${port}/webhooks/cart`;
    start = startCartflow({ port, smtpUrl: smtp.url });
    url = await servedUrl(start);
    analyst = postgres(url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await analyst?.end();
    await smtp?.close();
  });

  it('records its pid and port in a lock file only the operator can read', async () => {
    const lockFile = lockFileOf(pgliteDir);
    const lock = JSON.parse(await readFile(lockFile, 'utf8'));
    expect(lock).toMatchObject({ pid: start.pid, port: expect.any(Number) });
    expect((await stat(lockFile)).mode & 0o777).toBe(0o600);
    expect(url).toBe(`postgres://postgres@127.0.0.1:${lock.port}/postgres`);
  });

  it('`suppressions add` from another process lands in the running instance', async () => {
    const added = await cli('suppressions', 'add', 'x@example.org');
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toMatch(/^suppressed x@example\.org \(manual, source cli/);

    const rows = await analyst`select email, reason from suppressions where shop_id = ${shopId}`;
    expect(rows).toEqual([{ email: 'x@example.org', reason: 'manual' }]);
    const listed = await cli('suppressions', 'list');
    expect(listed.stdout).toMatch(/^x@example\.org\s+manual\s+cli/m);
  });

  it('the running instance then emails everyone but the suppressed address', async () => {
    const suppressed = cartUpdatedEvent({ customer: { email: 'x@example.org', name: 'X' } });
    const other = cartUpdatedEvent({ customer: { email: "o'brien@example.org", name: "Siobhán O'Brien" } });
    for (const event of [suppressed, other]) expect((await fetch(webhooks, signedRequest(event))).status).toBe(202);

    const messagesOf = (cartId: string) =>
      analyst`select step, status, reason from messages where cart_id = ${cartId}`.then((rows) => [...rows]);
    await smtp.waitFor(1, 90_000);
    await eventually(
      async () =>
        expect(await messagesOf(suppressed.data.id)).toEqual([
          { step: 'reminder', status: 'skipped', reason: 'suppressed' },
        ]),
      60_000,
    );
    expect(await messagesOf(other.data.id)).toEqual([{ step: 'reminder', status: 'sent', reason: null }]);
    expect(smtp.envelopes.flatMap((envelope) => envelope.to)).toEqual(["o'brien@example.org"]);
    otherCartId = other.data.id;
  });

  it('`privacy erase --yes` from another process stops her running chain and erases her in the running instance', async () => {
    // Her chain waits an hour for its next step; the erase signals it through the same Temporal.
    const erased = await cliWith(
      { TEMPORAL_ADDRESS: inject('temporalAddress') },
      'privacy',
      'erase',
      "o'brien@example.org",
      '--yes',
    );
    expect(erased).toMatchObject({ code: 0, stderr: '' });
    expect(await analyst`select 1 from customers where email = ${"o'brien@example.org"}`).toHaveLength(0);
    await eventually(async () => {
      const [chain] = await analyst`select status, outcome from chains where cart_id = ${otherCartId}`;
      expect(chain).toEqual({ status: 'finished', outcome: 'stopped' });
    }, 60_000);
    expect(smtp.envelopes).toHaveLength(1);
  });

  it('`privacy export` finds a person the running instance holds', async () => {
    await analyst`insert into customers (shop_id, email, name, marketing_consent)
      values (${shopId}, 'nora@example.org', 'Nora O''Brien', true)`;
    const exported = await cli('privacy', 'export', 'nora@example.org');
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(exported.stdout).customer).toMatchObject({ email: 'nora@example.org', name: "Nora O'Brien" });
  });

  it("`shops add` while it runs: the running server accepts that shop's webhooks within the cache time, and mails as it", async () => {
    const post = (event: unknown, secret: string) => {
      const init = signedRequest(event, { secret });
      return fetch(webhooks, { ...init, headers: { ...(init.headers as object), 'cartflow-shop': 'obrien' } });
    };
    const customer = { email: 'ada@obrien.example', name: "Ada O'Brien-Łukasiewicz" };
    // Asked before it exists: the server's answer "no such shop" is cached too.
    const early = await post(cartUpdatedEvent({ customer }), TEST_SECRET);
    expect(early.status).toBe(403);

    const added = await cli(
      'shops',
      'add',
      'obrien',
      '--from-name',
      "O'Brien & Sons",
      '--from-address',
      'hello@obrien.example',
      '--postal-address',
      "3 rue de l'Église, 75001 Paris",
    );
    // Added, with a note that nothing signs its mail aligned with obrien.example (no DKIM key here).
    expect(added).toMatchObject({
      code: 0,
      stderr: expect.stringMatching(/^note: shop obrien sends from obrien\.example without a DKIM key/),
    });
    const secret = added.stdout.trim().split('\n').at(-1) ?? '';
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // No restart: within SHOP_CACHE_MS (5 s) the running server finds the shop and its secret.
    const event = cartUpdatedEvent({ customer });
    await eventually(async () => expect((await post(event, secret)).status).toBe(202), 30_000);
    expect((await post(cartUpdatedEvent({ customer }), TEST_SECRET)).status).toBe(401);
    const [mail] = (await smtp.waitFor(2, 90_000)).slice(1);
    expect(mail?.from?.value).toEqual([{ name: "O'Brien & Sons", address: 'hello@obrien.example' }]);
    expect(mail?.text).toContain("3 rue de l'Église, 75001 Paris");
    const rows = await analyst`select shop_id from messages where cart_id = ${event.data.id}`;
    expect(rows).toEqual([{ shop_id: 'obrien' }]);
  });

  it('a long query in psql holds up the database, not the process: /healthz answers, a webhook gets 503 to retry', async () => {
    const psql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await psql`select 1`; // connected: the next query goes out at once
      const query = psql`select pg_sleep(6)`.execute().then(() => 'query over');
      const base = webhooks.replace('/webhooks/cart', '');
      const healthz = fetch(`${base}/healthz`).then((response) => `healthz ${response.status}`);
      expect(await Promise.race([healthz, query])).toBe('healthz 200');

      const event = cartUpdatedEvent({ customer: { email: 'patient@example.org' } });
      const answer = await fetch(webhooks, signedRequest(event));
      expect({ status: answer.status, retryAfter: answer.headers.get('retry-after') }).toEqual({
        status: 503,
        retryAfter: '5',
      });
      expect(await query).toBe('query over');
      // The shop's retry of the same event once the query is over: stored now, or stored already.
      expect([200, 202]).toContain((await fetch(webhooks, signedRequest(event))).status);
    } finally {
      await psql.end();
    }
  });

  it('after `npm start` stops, the folder still holds the suppression and the lock is gone', async () => {
    await analyst.end();
    expect(await start.stop()).toEqual({ code: 0, signal: null });
    await expect(stat(lockFileOf(pgliteDir))).rejects.toMatchObject({ code: 'ENOENT' });

    const reopened = await openDatabase({ pgliteDir });
    try {
      const rows = await reopened.db
        .select({ email: suppressions.email })
        .from(suppressions)
        .where(eq(suppressions.shopId, shopId));
      expect(rows).toEqual([{ email: 'x@example.org' }]);
    } finally {
      await reopened.close();
    }
    await expect(stat(lockFileOf(pgliteDir))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('the embedded database held by a process that does not serve it', () => {
  it('a second process is refused with what to do, and exits non-zero', async () => {
    const holder = startWorkerProcess(baseEnv(), { script: 'test/fixtures/embedded-db-holder.ts', args: ['direct'] });
    await holder.waitForLine(/^READY PGlite in /);

    const refused = await cli('suppressions', 'list');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      `cartflow: the embedded database ${pgliteDir} is open in another cartflow process (pid ${holder.pid}, since ` +
        `${JSON.parse(await readFile(lockFileOf(pgliteDir), 'utf8')).startedAt}) that does not share it. ` +
        'Wait for that command to finish (or for `npm start` to finish starting) and try again.\n',
    );
    expect(await holder.stop()).toEqual({ code: 0, signal: null });
  });

  it('the lock of a crashed process is recovered', async () => {
    const crashed = spawn(process.execPath, ['-e', '']);
    const deadPid = crashed.pid!;
    await new Promise((resolve) => crashed.once('exit', resolve));
    await writeFile(
      lockFileOf(pgliteDir),
      JSON.stringify({ pid: deadPid, port: null, startedAt: '2026-01-01T00:00:00.000Z' }),
      { mode: 0o600 },
    );

    const listed = await cli('suppressions', 'list');
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toMatch(/^x@example\.org\s+manual/m);
    await expect(stat(lockFileOf(pgliteDir))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
