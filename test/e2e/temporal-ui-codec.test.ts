import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import type { TemporalDevServer } from '../../app/temporal-dev-server';
import { bundleWorkflowCode } from '@temporalio/worker';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedTemporal } from '../../app/embedded-temporal';
import { createEncryptionCodec } from '../../codec/encryption-codec';
import { loadConfig } from '../../config/env';
import { cartWorkflowId } from '../../domain/ids';
import { createAppFromConfig, createRelayFromConfig } from '../../server/app-from-config';
import { createWorker, workflowsPath } from '../../worker';
import { consumerCampaign } from '../helpers/campaigns';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { type DeliveryStack, startDeliveryStack } from '../helpers/delivery-stack';
import { freePort } from '../helpers/free-port';
import { createTeardown } from '../helpers/teardown';
import { launchChromium } from '../helpers/chromium';
import { inheritedEnv } from '../helpers/test-env';

// `npm start`'s embedded default, piece by piece: the dev server with its web UI started by
// startEmbeddedTemporal (told the codec endpoint), the app wired by createAppFromConfig from the
// default HOST and no ADMIN_TOKEN, a worker, all with the encryption codec. Chromium then opens
// the UI the way an operator would; the CLI passthrough queries the same workflow.
const root = path.resolve(import.meta.dirname, '../..');
const artifacts = path.join(root, 'test-artifacts');
const codec = createEncryptionCodec(`local1:${randomBytes(32).toString('base64')}`);
const shopId = `shop-ui-${randomUUID().slice(0, 8)}`;
// Only in the workflow's (encrypted) input: the workflow id carries the cart id, not this.
const itemName = `Unique lamp ${randomUUID().slice(0, 6)}`;
const silent = pino({ level: 'silent' });

const teardown = createTeardown();
let temporal: TemporalDevServer;
let delivery: DeliveryStack;
let appPort: number;
let uiPort: number;
let temporalPort: number;
let workflowId: string;
let browser: Browser;

beforeAll(async () => {
  [appPort, uiPort, temporalPort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-ui-'));
  teardown.add(() => rm(dataDir, { recursive: true, force: true }));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(appPort),
    TEMPORAL_UI_PORT: String(uiPort),
    SHOP_ID: shopId,
  });

  temporal = await startEmbeddedTemporal({
    dataDir,
    port: temporalPort,
    uiPort,
    logger: silent,
    payloadCodec: codec,
    uiCodecEndpoint: `http://127.0.0.1:${appPort}/codec`,
  });
  teardown.add(() => temporal.teardown());
  delivery = await startDeliveryStack();
  teardown.add(delivery.close);

  const worker = await createWorker({
    connection: temporal.nativeConnection,
    namespace: 'default',
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: delivery.deps,
    payloadCodec: codec,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath,
      logger: { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} },
    }),
  });
  const run = worker.run();
  teardown.add(async () => {
    worker.shutdown();
    await run;
  });

  // As `npm start` wires it: the webhook stores the event and this relay starts the workflow.
  const relay = createRelayFromConfig({
    config,
    db: delivery.database.db,
    client: temporal.client,
    logger: silent,
    campaigns: [consumerCampaign()],
  });
  const app = createAppFromConfig({
    relay,
    config,
    db: delivery.database.db,
    client: temporal.client,
    webhookSecret: TEST_SECRET,
    trackingSecret: randomBytes(32).toString('hex'),
    logger: silent,
    campaigns: [consumerCampaign()],
    payloadCodec: codec,
    embeddedTemporalUiPort: uiPort,
  });
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: config.HOST, port: appPort }, () => resolve(started));
  });
  teardown.add(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const event = cartUpdatedEvent({
    items: [{ sku: 'LAMP-1', name: itemName, quantity: 1, unitPrice: '49.00' }],
    customer: { name: 'Ui Tester' },
  });
  workflowId = cartWorkflowId({ shopId, cartId: event.data.id });
  const accepted = await fetch(`http://127.0.0.1:${appPort}/webhooks/cart`, signedRequest(event));
  expect(accepted.status).toBe(202);
  // The UI shows a workflow that does not exist yet as not found, and does not look again.
  expect(await relay.drain()).toBe(1);

  browser = await launchChromium();
  teardown.add(() => browser.close());
});

afterAll(() => teardown.run());

describe('the embedded Temporal UI decodes payloads through the codec endpoint (real Chromium)', () => {
  it('shows the workflow input in plain JSON, not ciphertext', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const decodeCalls: Array<Promise<{ status: number; origin: string | undefined }>> = [];
    page.on('response', (response) => {
      if (response.url().endsWith('/codec/decode') && response.request().method() === 'POST') {
        decodeCalls.push(
          response
            .request()
            .allHeaders()
            .then(({ origin }) => ({ status: response.status(), origin })),
        );
      }
    });
    await page.goto(`http://127.0.0.1:${uiPort}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
    await page.getByText(itemName).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(artifacts, 'temporal-ui-decoded.png'), fullPage: true });
    const calls = await Promise.all(decodeCalls);
    expect(calls.length).toBeGreaterThan(0);
    // The UI sends no token: the embedded default lets its origin in (docs/privacy.md).
    expect(calls).toContainEqual({ status: 200, origin: `http://127.0.0.1:${uiPort}` });
    expect(calls.every((call) => call.status === 200)).toBe(true);
    expect(await page.getByText('binary/encrypted').count()).toBe(0);
    await page.close();
  });

  it('refuses a page from any other origin, and a request naming another host', async () => {
    const [payload] = await codec.encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('1') },
    ]);
    const body = JSON.stringify({
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(payload!.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
          ),
          data: Buffer.from(payload!.data!).toString('base64'),
        },
      ],
    });
    const decode = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${appPort}/codec/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
        body,
      });
    expect((await decode({ origin: `http://127.0.0.1:${uiPort}` })).status).toBe(200);
    expect((await decode({ origin: 'https://evil.example' })).status).toBe(403);
    // DNS rebinding: the attacker's name resolves to 127.0.0.1, the browser sends it as Host.
    expect(
      (await decode({ host: `rebind.evil.example:${appPort}`, origin: `http://rebind.evil.example:${appPort}` }))
        .status,
    ).toBe(403);
    const preflight = await fetch(`http://127.0.0.1:${appPort}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: `http://localhost:${uiPort}`,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(`http://localhost:${uiPort}`);
  });
});

describe('npm run temporal -- … (the CLI built by scripts/temporal-cli.sh)', () => {
  const temporalCli = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'npm',
        ['run', '--silent', 'temporal', '--', ...args],
        {
          cwd: root,
          timeout: 60_000,
          env: { ...inheritedEnv(), TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`, PORT: String(appPort), ...env },
        },
        (error, stdout, stderr) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
      );
    });

  it('--version runs the pinned CLI', async () => {
    const { code, stdout } = await temporalCli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^temporal version .*\(Server 1\.29\.1/);
  });

  it('workflow query prints the decoded cartState, and workflow list finds the workflow', async () => {
    const query = await temporalCli([
      'workflow',
      'query',
      '--workflow-id',
      workflowId,
      '--type',
      'cartState',
      '-o',
      'json',
    ]);
    expect(query.stderr).toBe('');
    expect(query.code).toBe(0);
    expect(JSON.parse(query.stdout)).toMatchObject({
      queryResult: [{ phase: 'waiting_for_inactivity', itemCount: 1 }],
    });
    const list = await temporalCli(['workflow', 'list', '--query', `WorkflowId = '${workflowId}'`, '-o', 'json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ execution: expect.objectContaining({ workflowId }) }),
    ]);
  });

  it('with no codec server to reach, the same query prints no plaintext', async () => {
    const query = await temporalCli(
      ['workflow', 'query', '--workflow-id', workflowId, '--type', 'cartState', '-o', 'json'],
      {
        TEMPORAL_CODEC_ENDPOINT: '',
        PORT: String(await freePort()),
      },
    );
    expect(query.stdout).not.toContain('waiting_for_inactivity');
  });
});
