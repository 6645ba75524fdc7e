import { randomBytes, randomUUID } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSmtpSink } from '../../mail/smtp-sink';
import { killWorkerProcesses, startWorkerProcess } from '../fixtures/worker-process';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

// `npm run worker` (worker.ts as a real process, on real Postgres, Temporal and SMTP) when a port
// it was told to listen on is taken by another program: one line naming the variable, exit 1.
let database: TestDatabase;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let holder: net.Server;
let heldPort: number;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpSink({ onMessage: async () => {} });
  holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  heldPort = (holder.address() as AddressInfo).port;
});
afterAll(async () => {
  await killWorkerProcesses();
  holder?.close();
  await smtp?.close();
  await database?.drop();
});

const workerEnv = () => ({
  DATABASE_URL: database.url,
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TEMPORAL_TASK_QUEUE: `worker-ports-${randomUUID()}`,
  SMTP_URL: smtp.url,
  MAIL_FROM: 'Cartflow Shop <shop@mail.example.com>',
  TRACKING_SECRET: 'worker-ports-tracking-secret-0123456789',
  PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
});

describe('npm run worker with a port another process holds', () => {
  it('WORKER_HEALTH_PORT: names the port and the variable and exits 1', async () => {
    const worker = startWorkerProcess(
      { ...workerEnv(), WORKER_HEALTH_PORT: String(heldPort) },
      { script: 'worker.ts' },
    );
    expect(await worker.exited).toEqual({ code: 1, signal: null });
    expect(worker.output()).toContain(
      `port ${heldPort} on 127.0.0.1 is in use by another process; stop it or set WORKER_HEALTH_PORT to a free port`,
    );
    expect(worker.output()).not.toMatch(/Workers hold a reference|EADDRINUSE|\n\s+at /);
  });

  it('METRICS_PORT: names the port and the variable and exits 1', async () => {
    const worker = startWorkerProcess({ ...workerEnv(), METRICS_PORT: String(heldPort) }, { script: 'worker.ts' });
    expect(await worker.exited).toEqual({ code: 1, signal: null });
    expect(worker.output()).toContain(
      `port ${heldPort} on 127.0.0.1 is in use by another process; stop it or set METRICS_PORT to a free port`,
    );
    expect(worker.output()).not.toMatch(/EADDRINUSE|\n\s+at /);
  });
});
