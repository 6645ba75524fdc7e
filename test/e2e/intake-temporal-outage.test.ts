import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TemporalDevServer } from '../../app/temporal-dev-server';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { createOutboxRelay } from '../../server/outbox-relay';
import { TEST_SECRET } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import { type DeliveryStack, startDeliveryStack } from '../helpers/delivery-stack';
import { startTestDevServer } from '../helpers/dev-server';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/free-port';
import { startHttpServer, type TestHttpServer } from '../helpers/http-server';
import { type Answer, faultCart, isAck, mailsPerRecipient, postOverSocket, storedState } from '../helpers/intake-load';
import { startTestWorker } from '../helpers/test-worker';

// Fault injection: the Temporal server goes away while the shop keeps sending webhooks, then comes
// back. This test runs its OWN Temporal dev server (stopping the shared one would break the other
// test files) on a fixed port and SQLite file, so the restarted server is the same server with the
// same history. The worker starts only once Temporal is back; every cart must then get its one
// email, and none a second.
const shopId = 'shop-temporal-outage';
const taskQueue = 'temporal-outage';
const campaign = consumerCampaign({ steps: [{ id: 'reminder', delay: '1s', template: 'cart-reminder' }] });
const CASE_TIMEOUT_MS = 240_000;

let dir: string;
let port: number;
let temporal: TemporalDevServer | undefined;
let stack: DeliveryStack;
let connection: Connection;
let server: TestHttpServer;
let relay: ReturnType<typeof createOutboxRelay>;

function startTemporal(): Promise<TemporalDevServer> {
  return startTestDevServer({
    port,
    dbFilename: path.join(dir, 'temporal.sqlite'),
    logFile: path.join(dir, 'temporal.log'),
    // Stopping it under load makes it log errors by design; the test asserts the outcome instead.
    logLevel: 'never',
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-outage-'));
  port = await freePort();
  temporal = await startTemporal();
  stack = await startDeliveryStack();
  connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  const client = new Client({ connection });
  const workflows = createCartWorkflows({ client, taskQueue, abandonAfterMs: 1_000, campaigns: [campaign] });
  const logger = pino({ level: 'silent' });
  relay = createOutboxRelay({ db: stack.database.db, workflows, logger, pollMs: 200, maxBackoffMs: 1_000 });
  relay.start();
  const config = { shopId, webhookSecret: TEST_SECRET, webhookMaxBytes: 256 * 1024, webhookToleranceMs: 300_000 };
  server = await startHttpServer(createApp({ db: stack.database.db, workflows, relay, config, logger }));
}, CASE_TIMEOUT_MS);

afterAll(async () => {
  await relay?.stop();
  await server?.close();
  await connection?.close();
  await temporal?.teardown();
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the Temporal server stops while webhooks keep arriving, then restarts', () => {
  it(
    'every webhook is a 2xx throughout; once Temporal is back every event is delivered and every cart gets one email',
    async () => {
      const send = (label: string, count: number) => {
        const carts = Array.from({ length: count }, () => faultCart(label));
        return Promise.all(carts.map((cart) => postOverSocket(server.url, cart))).then((answers) => ({
          carts,
          answers,
        }));
      };
      const before = await send('before', 5);
      await eventually(async () => expect((await storedState(stack.database.sql, before.carts)).undelivered).toBe(0));

      await temporal?.teardown();
      temporal = undefined;
      const during = [await send('down', 10), await send('down', 10)];
      const outage = during.flatMap(({ carts }) => carts);
      // Stored, acknowledged, and waiting: Temporal has none of them.
      expect((await storedState(stack.database.sql, outage)).undelivered).toBe(outage.length);

      temporal = await startTemporal();
      const after = await send('after', 5);
      const worker = await startTestWorker({ taskQueue, deps: stack.deps, address: `127.0.0.1:${port}` });
      try {
        const carts = [before, ...during, after].flatMap(({ carts }) => carts);
        const answers: Answer[] = [before, ...during, after].flatMap(({ answers }) => answers);
        expect(answers.filter((answer) => !isAck(answer))).toEqual([]);
        await stack.smtp.waitFor(carts.length, 120_000);
        await eventually(async () => {
          expect(await storedState(stack.database.sql, carts)).toEqual({
            stored: carts.length,
            undelivered: 0,
            sent: carts.length,
          });
        }, 60_000);
        expect(mailsPerRecipient(stack.smtp, carts)).toEqual(carts.map(() => 1));
        expect(stack.smtp.messages).toHaveLength(carts.length);
      } finally {
        await worker.shutdown();
      }
    },
    CASE_TIMEOUT_MS,
  );
});
