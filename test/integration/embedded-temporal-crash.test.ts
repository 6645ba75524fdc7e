import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portIsFree } from '../../app/free-port';
import { DevServerStartError } from '../../app/temporal-dev-server';
import { startEmbeddedTemporal } from '../../app/embedded-temporal';
import { killWorkerProcesses, startWorkerProcess } from '../fixtures/worker-process';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/free-port';
import { alive } from '../helpers/process-alive';

// `npm start` killed with SIGKILL (or OOM-killed) cannot stop the Temporal dev server it started:
// the server runs on, holding the embedded port and DATA_DIR/temporal.db. The next `npm start`
// on that folder must get going again, with the workflows the old server kept.
const silent = pino({ level: 'silent' });
const identity = { encode: async (payloads: never[]) => payloads, decode: async (payloads: never[]) => payloads };
let dataDir: string;
const orphans: number[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-temporal-crash-'));
});
afterAll(async () => {
  await killWorkerProcesses();
  for (const pid of orphans) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

async function startHolder(input: { port: number; uiPort: number; workflowId: string }) {
  const holder = startWorkerProcess(
    {},
    {
      script: 'test/fixtures/embedded-temporal-holder.ts',
      args: [dataDir, String(input.port), String(input.uiPort), input.workflowId],
    },
  );
  const line = await holder.waitForLine(/^READY \d+$/, 120_000);
  const serverPid = Number(line.split(' ')[1]);
  orphans.push(serverPid);
  return { holder, serverPid };
}

describe('the embedded Temporal dev server after `npm start` was killed', () => {
  it('the next start on the same DATA_DIR stops the server left running and serves the workflows it kept', async () => {
    const port = await freePort();
    const uiPort = await freePort();
    const { holder, serverPid } = await startHolder({ port, uiPort, workflowId: 'cart:crash:kept' });
    await holder.kill('SIGKILL');
    // What the operator finds after the crash: the dev server still runs and holds the port.
    expect(alive(serverPid)).toBe(true);
    expect(await portIsFree('127.0.0.1', port)).toBe(false);

    const env = await startEmbeddedTemporal({ dataDir, port, uiPort, logger: silent, payloadCodec: identity });
    try {
      expect(alive(serverPid)).toBe(false);
      expect(env.pid).not.toBe(serverPid);
      const kept = await env.client.workflow.getHandle('cart:crash:kept').describe();
      expect(kept.status.name).toBe('RUNNING');
    } finally {
      await env.teardown();
    }
    await eventually(async () => expect(await portIsFree('127.0.0.1', port)).toBe(true));
  }, 180_000);

  it('a start while the first is alive leaves its server alone and says the port is in use', async () => {
    const port = await freePort();
    const uiPort = await freePort();
    const { holder, serverPid } = await startHolder({ port, uiPort, workflowId: 'cart:crash:alive' });
    const second = startEmbeddedTemporal({ dataDir, port, uiPort, logger: silent, payloadCodec: identity });
    await expect(second).rejects.toThrow(DevServerStartError);
    await expect(second).rejects.toThrow(/cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
    expect(alive(serverPid)).toBe(true);
    expect(await holder.stop()).toEqual({ code: 0, signal: null });
    await eventually(() => expect(alive(serverPid)).toBe(false));
  }, 180_000);
});
