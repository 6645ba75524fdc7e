import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cartWorkflowId, sendKey } from '../../domain/ids';
import { startSmtpSink } from '../../mail/smtp-sink';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { killWorkerProcesses, startWorkerProcess, type WorkerProcess } from '../fixtures/worker-process';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { fastConsumerCampaign } from '../helpers/campaigns';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { freePort } from '../helpers/free-port';

// `npm run server` and `npm run worker` as real processes (server/main.ts, worker.ts), on real
// Postgres and Temporal: SIGTERM lets what is in flight finish, then the process exits 0.
const TRACKING_SECRET = 'shutdown-test-tracking-secret-0123456789';
const PAYLOAD_KEYS = `k1:${randomBytes(32).toString('base64')}`;
let database: TestDatabase;
let connection: Connection;

beforeAll(async () => {
  database = await createTestDatabase();
  connection = await Connection.connect({ address: inject('temporalAddress') });
});
afterAll(async () => {
  await killWorkerProcesses();
  await connection?.close();
  await database?.drop();
});

const baseEnv = (taskQueue: string) => ({
  DATABASE_URL: database.url,
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TEMPORAL_NAMESPACE: 'default',
  TEMPORAL_TASK_QUEUE: taskQueue,
  TRACKING_SECRET,
  PAYLOAD_KEYS,
  SHUTDOWN_GRACE: '20s',
  LOG_LEVEL: 'info',
});

async function startServer({ npmScript }: { npmScript?: string } = {}): Promise<{
  server: WorkerProcess;
  port: number;
}> {
  const port = await freePort();
  const server = startWorkerProcess(
    { ...baseEnv(`shutdown-${randomUUID()}`), WEBHOOK_SECRET: TEST_SECRET, HOST: '127.0.0.1', PORT: String(port) },
    npmScript ? { npmScript } : { script: 'server/main.ts' },
  );
  await server.waitForLine(/http server listening/);
  return { server, port };
}

/** A signed webhook whose headers are in and whose body is not: in flight until `finish()`. */
async function webhookInFlight(port: number) {
  const init = signedRequest(cartUpdatedEvent());
  const body = String(init.body);
  const request = http.request({
    host: '127.0.0.1',
    port,
    path: '/webhooks/cart',
    method: 'POST',
    headers: {
      ...(init.headers as Record<string, string>),
      'content-length': Buffer.byteLength(body),
      expect: '100-continue',
    },
  });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve).once('error', reject);
  }).then(async (incoming) => {
    let text = '';
    for await (const chunk of incoming) text += chunk;
    return { status: incoming.statusCode, headers: incoming.headers, text };
  });
  response.catch(() => {});
  request.flushHeaders();
  // Node answers 100 Continue once it has parsed the request: the server is now handling it.
  await once(request, 'continue');
  return { finish: () => request.end(body), response };
}

describe('npm run server on SIGTERM', () => {
  it('stops accepting, answers the request in flight, and exits 0', async () => {
    const { server, port } = await startServer();
    const inFlight = await webhookInFlight(port);
    server.signal('SIGTERM');
    await server.waitForLine(/shutting down/);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

    inFlight.finish();
    const answered = await inFlight.response;
    expect(answered.status).toBe(202);
    expect(JSON.parse(answered.text)).toMatchObject({ status: 'accepted' });
    expect(answered.headers.connection).toBe('close');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/http server stopped/);
  });

  it('through npm, as docker-compose runs it: SIGTERM to npm reaches the server, which drains and exits 0', async () => {
    // docker stop signals npm (PID 1's child); the server must get it too, or it is killed
    // mid-request after stop_grace_period with nothing drained.
    const { server, port } = await startServer({ npmScript: 'server' });
    const inFlight = await webhookInFlight(port);
    server.signal('SIGTERM');
    await server.waitForLine(/shutting down/);
    inFlight.finish();
    expect((await inFlight.response).status).toBe(202);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/http server stopped/);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('a second, different signal exits at once without waiting for the request', async () => {
    const { server, port } = await startServer();
    const inFlight = await webhookInFlight(port);
    server.signal('SIGTERM');
    await server.waitForLine(/shutting down/);
    server.signal('SIGINT');
    expect(await server.exited).toEqual({ code: 130, signal: null });
    await expect(inFlight.response).rejects.toThrow();
  });
});

describe('npm run worker on SIGTERM', () => {
  it('stops polling, lets the send in flight finish, closes everything and exits 0', async () => {
    // An SMTP server that holds each message until told to answer: the send activity is in flight.
    let arrived!: () => void;
    const messageArrived = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const smtp = await startSmtpSink({
      onMessage: async () => {
        arrived();
        await released;
      },
    });
    const taskQueue = `shutdown-worker-${randomUUID()}`;
    const healthPort = await freePort();
    const worker = startWorkerProcess(
      {
        ...baseEnv(taskQueue),
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Cartflow Shop <shop@mail.example.com>',
        HOST: '127.0.0.1',
        WORKER_HEALTH_PORT: String(healthPort),
      },
      { script: 'worker.ts' },
    );
    try {
      await worker.waitForLine(/worker started/, 120_000);
      const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
      expect(await ready.json()).toMatchObject({ status: 'ok', failing: [] });
      expect(
        Object.keys(
          ((await (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).json()) as { checks: object }).checks,
        ).sort(),
      ).toEqual(['database', 'migrations', 'smtp', 'temporal']);

      const shopId = 'shop-shutdown';
      const client = new Client({ connection });
      const app = createApp({
        db: database.db,
        workflows: createCartWorkflows({
          client,
          taskQueue,
          abandonAfterMs: 1_000,
          campaigns: [fastConsumerCampaign({ incentive: 'cart-reminder', lastChance: 'cart-reminder' })],
        }),
        config: { shopId, webhookSecret: TEST_SECRET, webhookMaxBytes: 65_536, webhookToleranceMs: 300_000 },
        logger: pino({ level: 'silent' }),
      });
      const event = cartUpdatedEvent();
      expect((await app.request('/webhooks/cart', signedRequest(event))).status).toBe(202);

      await messageArrived;
      worker.signal('SIGTERM');
      await worker.waitForLine(/shutting down/);
      const draining = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
      expect(draining.status).toBe(503);
      release();

      expect(await worker.exited).toEqual({ code: 0, signal: null });
      expect(worker.output()).toMatch(/worker stopped/);
      const workflowId = cartWorkflowId({ shopId, cartId: event.data.id });
      const [row] =
        await database.sql`select status from messages where key = ${sendKey({ shopId, cartId: event.data.id, step: 'reminder' })}`;
      expect(row?.status).toBe('sent');
      await client.workflow.getHandle(workflowId).terminate('test over');
    } finally {
      release();
      await worker.kill('SIGKILL');
      await smtp.close();
    }
  });
});
