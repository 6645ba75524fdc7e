import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killWorkerProcesses, startWorkerProcess, type WorkerProcess } from '../fixtures/worker-process';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/free-port';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { minimalEnv } from '../helpers/test-env';

// An erasure request on the embedded defaults: `npm start` runs its own Temporal dev server on
// DATA_DIR, and the operator's `cartflow privacy erase` (no TEMPORAL_ADDRESS) must find it to stop
// the person's chain. The dev server is started as `npm start` starts it (startEmbeddedTemporal,
// test/fixtures/embedded-temporal-holder.ts) but on free ports, since `npm start`'s own 7233 may be
// taken on a shared machine; `npm start` itself is pointed at it, the CLI is not.
const root = path.resolve(import.meta.dirname, '../..');
const shopId = 'shop-erase-embedded';
const person = { email: 'zoë@bücher.example', name: "Zoë O'Brien-Łukasiewicz" };
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-erase-embedded-'));
});
afterAll(async () => {
  await killWorkerProcesses();
  await rm(dataDir, { recursive: true, force: true });
});

/** Only what an operator's shell sets: no TEMPORAL_ADDRESS, no DATABASE_URL, no PAYLOAD_KEYS. */
const operatorEnv = () => ({ DATA_DIR: dataDir, SHOP_ID: shopId, LOG_LEVEL: 'silent' });

type CliResult = { code: number; stdout: string; stderr: string };

function cartflow(...args: string[]): Promise<CliResult> {
  return cartflowWith({}, ...args);
}

function cartflowWith(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/cartflow.js', ...args],
      { cwd: root, env: { PATH: minimalEnv().PATH, HOME: minimalEnv().HOME, ...operatorEnv(), ...env } },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('`cartflow privacy erase` while `npm start` runs its embedded Temporal', () => {
  let temporal: WorkerProcess;
  let start: WorkerProcess;
  let smtp: MailCatcher;
  let analyst: postgres.Sql;
  let webhooks: string;
  let port: number;
  /** The workflow the dev server was started with: only that server knows it. */
  const unrelatedWorkflowId = `unrelated-${randomUUID()}`;

  beforeAll(async () => {
    const [temporalPort, uiPort] = [await freePort(), await freePort()];
    port = await freePort();
    temporal = startWorkerProcess(
      {},
      {
        script: 'test/fixtures/embedded-temporal-holder.ts',
        args: [dataDir, String(temporalPort), String(uiPort), unrelatedWorkflowId],
      },
    );
    await temporal.waitForLine(/^READY \d+$/, 180_000);
    smtp = await startMailCatcher();
    webhooks = `http://127.0.0.1:${port}/webhooks/cart`;
    start = startWorkerProcess(
      {
        ...operatorEnv(),
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
        SMTP_URL: smtp.url,
        WEBHOOK_SECRET: TEST_SECRET,
        ABANDON_AFTER: '1s',
        CAMPAIGNS_DIR: 'test/fixtures/campaigns-fast',
        PORT: String(port),
        EMBEDDED_DB_PORT: '0',
      },
      { script: 'cli/start.ts' },
    );
    const line = await start.waitForLine(/^\s+Database\s+PGlite in .* served at postgres:\/\//, 180_000);
    analyst = postgres(/(postgres:\/\/\S+)/.exec(line)![1]!, { max: 1, onnotice: () => {} });
  }, 400_000);
  afterAll(async () => {
    await analyst?.end();
    await smtp?.close();
  });

  const chainOf = async (cartId: string) =>
    (await analyst`select status, outcome from chains where cart_id = ${cartId}`)[0];

  /** A cart whose first email went out: its chain now waits an hour for the second step. */
  async function cartWithRunningChain(customer: { email: string; name: string }, emails: number): Promise<string> {
    const event = cartUpdatedEvent({ customer });
    expect((await fetch(webhooks, signedRequest(event))).status).toBe(202);
    await smtp.waitFor(emails, 120_000);
    await eventually(async () => expect(await chainOf(event.data.id)).toEqual({ status: 'active', outcome: null }));
    return event.data.id;
  }

  it('stops her chain and erases her rows; a second run finds nothing left', async () => {
    const cartId = await cartWithRunningChain(person, 1);

    const erased = await cartflow('privacy', 'erase', person.email, '--yes');
    expect(erased.stderr).toBe('');
    expect(erased.code).toBe(0);
    expect(erased.stdout).toContain(`erased (shop ${shopId})`);
    expect(erased.stdout).toMatch(/workflows stopped\s+1\n/);

    await eventually(async () => expect(await chainOf(cartId)).toEqual({ status: 'finished', outcome: 'stopped' }));
    expect(await analyst`select 1 from customers where name = ${person.name}`).toEqual([]);
    expect(await analyst`select recipient from messages where cart_id = ${cartId}`).toEqual([{ recipient: null }]);
    expect(await analyst`select snapshot from carts where cart_id = ${cartId}`).toEqual([{ snapshot: null }]);

    const again = await cartflow('privacy', 'erase', person.email, '--yes');
    expect(again).toEqual({
      code: 0,
      stdout: '',
      stderr: `no data held for this address in shop ${shopId}; nothing erased\n`,
    });
  });

  it('`cartflow temporal` talks to the same dev server', async () => {
    const listed = await cartflowWith({ PORT: String(port) }, 'temporal', 'workflow', 'list');
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(unrelatedWorkflowId);
  });

  it('once `npm start` is stopped, a person whose chain would resume is refused, and nothing is erased', async () => {
    const nora = { email: 'nora@example.org', name: 'Nora Ní Bhriain' };
    await cartWithRunningChain(nora, 2);
    await analyst.end();
    expect(await start.stop()).toEqual({ code: 0, signal: null });
    expect(await temporal.stop()).toEqual({ code: 0, signal: null });

    const refused = await cartflow('privacy', 'erase', nora.email, '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('nothing erased: this person has 1 running workflow(s) to stop first');
    expect(refused.stderr).toContain('start `npm start` on this DATA_DIR (or set TEMPORAL_ADDRESS');
    const exported = await cartflow('privacy', 'export', nora.email);
    expect(JSON.parse(exported.stdout).customer).toMatchObject({ email: nora.email, name: nora.name });
  });
});
