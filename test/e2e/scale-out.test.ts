import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cartWorkflowId } from '../../domain/ids';
import { killWorkerProcesses, startWorkerProcess, type WorkerProcess } from '../fixtures/worker-process';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { type FaultCart, faultCart, mailsPerRecipient, postOverSocket, storedState } from '../helpers/intake-load';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { type WorkflowBundleFile, workflowBundleFile } from '../helpers/workflow-bundle-file';

// Scale-out as docs/production.md#scaling-out describes it: two worker processes and two HTTP
// server processes (each with its own outbox relay) on ONE Temporal server and ONE PostgreSQL
// database. The shop posts every cart to one server and the same event to the other at the same
// moment (a retry that raced the first attempt); every customer still gets exactly one email and
// both workers do part of the work. The processes are the fixtures the fault tests use: the worker
// is built like `npm run worker`, the intake server like `npm run server` (one-step campaign, 1 s).
const shopId = 'shop-scale-out';
const taskQueue = `scale-out-${randomUUID()}`;
const CARTS = 20;
const CASE_TIMEOUT_MS = 150_000;

let database: TestDatabase;
let smtp: MailCatcher;
let connection: Connection;
let client: Client;
let workflowBundle: WorkflowBundleFile;
let workers: WorkerProcess[];
let serverUrls: string[];

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startMailCatcher();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  // Bundled once here rather than in each worker process (two cores).
  workflowBundle = await workflowBundleFile('scale-out');

  const common = {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
  };
  workers = [0, 1].map(() =>
    startWorkerProcess({
      ...common,
      TEMPORAL_NAMESPACE: 'default',
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Cartflow Shop <shop@mail.example.com>',
      TRACKING_SECRET: 'scale-out-tracking-secret-0123456789abcdef',
      LOG_LEVEL: 'fatal',
      WORKFLOW_BUNDLE: workflowBundle.path,
    }),
  );
  const servers = [0, 1].map(() =>
    startWorkerProcess({ ...common, SHOP_ID: shopId }, { script: 'test/fixtures/intake-server.ts' }),
  );
  await Promise.all(workers.map((worker) => worker.waitForLine(/^READY$/, 120_000)));
  serverUrls = await Promise.all(
    servers.map(async (server) => (await server.waitForLine(/^LISTENING /, 120_000)).slice('LISTENING '.length)),
  );
}, CASE_TIMEOUT_MS);

afterAll(async () => {
  await killWorkerProcesses();
  await connection?.close();
  await smtp?.close();
  await database?.drop();
  await workflowBundle?.remove();
});

const workflowOf = (cart: FaultCart) => client.workflow.getHandle(cartWorkflowId({ shopId, cartId: cart.data.id }));

/**
 * The worker identities (`pid@host`, Temporal's default) that ran the cart's steps. A step is a
 * local activity: it ran inside the workflow task whose completion recorded its marker, and that
 * completion names the worker.
 */
async function activityWorkers(cart: FaultCart): Promise<string[]> {
  const events = (await workflowOf(cart).fetchHistory()).events ?? [];
  const byId = new Map(events.map((event) => [String(event.eventId), event]));
  return events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') return [];
    const completion = byId.get(String(marker.workflowTaskCompletedEventId));
    const identity = completion?.workflowTaskCompletedEventAttributes?.identity;
    return identity ? [identity] : [];
  });
}

describe('two workers and two HTTP servers on one Temporal server and one PostgreSQL', () => {
  it(
    'the same carts posted to both servers: every email exactly once, every chain completed, work on both workers',
    async () => {
      const carts = Array.from({ length: CARTS }, () => faultCart('scale'));
      // Cart i goes to server i % 2 and, at the same moment, its duplicate to the other server.
      const answers = await Promise.all(
        carts.map((cart, i) =>
          Promise.all([postOverSocket(serverUrls[i % 2]!, cart), postOverSocket(serverUrls[(i + 1) % 2]!, cart)]),
        ),
      );
      // One of the pair is accepted, the other recognised as the same event.
      expect(answers.map((pair) => pair.map((answer) => answer.status).sort())).toEqual(carts.map(() => [200, 202]));

      await smtp.waitFor(CARTS, 120_000);
      await eventually(async () => {
        expect(await storedState(database.sql, carts)).toEqual({ stored: CARTS, undelivered: 0, sent: CARTS });
      }, 60_000);
      await eventually(async () => {
        const statuses = await Promise.all(carts.map(async (cart) => (await workflowOf(cart).describe()).status.name));
        expect(statuses).toEqual(carts.map(() => 'COMPLETED'));
      }, 60_000);

      // Once every chain has completed nothing more can be sent: the counts below are final.
      expect(mailsPerRecipient(smtp, carts)).toEqual(carts.map(() => 1));
      const sentIds = smtp.messages.map((message) => message.messageId);
      expect(new Set(sentIds).size).toBe(CARTS);
      const rows = await database.sql<{ message_id_header: string; status: string }[]>`
        select message_id_header, status from messages where cart_id = any(${carts.map((cart) => cart.data.id)})`;
      expect(rows.map((row) => row.status)).toEqual(carts.map(() => 'sent'));
      expect(new Set(rows.map((row) => row.message_id_header))).toEqual(new Set(sentIds));

      // Both worker processes ran chain steps (Temporal's default identity is `pid@host`).
      const identities = new Set((await Promise.all(carts.map(activityWorkers))).flat());
      const pids = [...identities].map((identity) => Number(identity.split('@')[0]));
      expect(pids.sort()).toEqual(workers.map((worker) => worker.pid).sort());
    },
    CASE_TIMEOUT_MS,
  );
});
