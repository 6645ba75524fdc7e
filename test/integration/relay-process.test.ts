import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cartWorkflowId } from '../../domain/ids';
import { killWorkerProcesses, startWorkerProcess } from '../fixtures/worker-process';
import { TEST_SECRET, cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { type TestDatabase, createTestDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/free-port';

// Intake and delivery as separate processes, as an operator runs them when intake latency must not
// depend on Temporal: `cartflow server` with OUTBOX_RELAY=off only stores, `cartflow relay`
// (server/relay-main.ts) delivers. Real Postgres and Temporal dev server.
const PAYLOAD_KEYS = `k1:${randomBytes(32).toString('base64')}`;
const shopId = 'shop-relay-process';
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

function post(port: number, body: unknown): Promise<number> {
  const init = signedRequest(body);
  const raw = String(init.body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/webhooks/cart',
        method: 'POST',
        headers: init.headers as Record<string, string>,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.once('error', reject).end(raw);
  });
}

describe('cartflow relay beside a server with OUTBOX_RELAY=off', () => {
  it('the server stores and answers; only the relay process, niced, starts the workflow; SIGTERM exits 0', async () => {
    const env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: `relay-process-${randomUUID()}`,
      PAYLOAD_KEYS,
      SHOP_ID: shopId,
      OUTBOX_POLL: '200ms',
      LOG_LEVEL: 'info',
    };
    const port = await freePort();
    const server = startWorkerProcess(
      {
        ...env,
        WEBHOOK_SECRET: TEST_SECRET,
        TRACKING_SECRET: 'relay-process-tracking-secret-0123456789',
        OUTBOX_RELAY: 'off',
        HOST: '127.0.0.1',
        PORT: String(port),
      },
      { script: 'server/main.ts' },
    );
    await server.waitForLine(/http server listening/, 60_000);
    const event = cartUpdatedEvent({ customer: { email: 'zoë.o’brien@пример.рф', name: "Zoë O'Brien & Søn" } });
    expect(await post(port, event)).toBe(202);

    const client = new Client({ connection });
    const handle = client.workflow.getHandle(cartWorkflowId({ shopId, cartId: event.data.id }));
    // Stored and waiting: the server delivers nothing itself.
    const [queued] = await database.sql`select delivered_at from outbox where event_id = ${event.id}`;
    expect(queued).toEqual({ delivered_at: null });
    await expect(handle.describe()).rejects.toThrow(/not found/i);

    const relay = startWorkerProcess({ ...env, OUTBOX_RELAY_NICE: '7' }, { script: 'server/relay-main.ts' });
    await relay.waitForLine(/outbox relay running/, 60_000);
    // It yields the CPU to the server: the OS runs it 7 nice steps below the process that started it,
    // every thread of it (V8's garbage-collection threads were running before the relay's code).
    const threads = readdirSync(`/proc/${relay.pid}/task`).map(Number);
    expect(threads.length).toBeGreaterThan(1);
    expect(new Set(threads.map((thread) => os.getPriority(thread)))).toEqual(
      new Set([Math.min(19, os.getPriority() + 7)]),
    );
    await eventually(async () => expect((await handle.describe()).status.name).toBe('RUNNING'), 30_000);
    await eventually(async () => {
      const [row] =
        await database.sql`select delivered_at is not null as delivered from outbox where event_id = ${event.id}`;
      expect(row).toEqual({ delivered: true });
    });

    expect(await relay.stop()).toEqual({ code: 0, signal: null });
    expect(relay.output()).toContain('outbox relay stopped');
    expect(relay.output()).not.toContain('пример');
    await server.stop();
  });
});
