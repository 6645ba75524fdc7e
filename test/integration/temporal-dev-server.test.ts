import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, portIsFree } from '../../app/free-port';
import { DevServerStartError, startTemporalDevServer } from '../../app/temporal-dev-server';
import { temporalCli } from '../helpers/dev-server';
import { eventually } from '../helpers/eventually';
import { alive } from '../helpers/process-alive';

// The SDK's launcher gave the dev server a fixed 5 s to answer; a loaded machine needs more. These
// run real processes: the real CLI behind a slow wrapper, and stand-ins that fail the ways a real
// server can (exits at once, never answers and ignores SIGTERM).
let dir: string;
let realCli: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-dev-server-'));
  realCli = await temporalCli();
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function executable(name: string, script: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `#!/bin/sh\n${script}\n`);
  await chmod(file, 0o755);
  return file;
}

describe('starting the Temporal dev server', () => {
  it('waits past 5 s for a server that is slow to start, then serves workflows; teardown leaves no process', async () => {
    const slow = await executable('slow-temporal', `sleep 7\nexec '${realCli}' "$@"`);
    const logFile = path.join(dir, 'slow.log');
    const startedAt = Date.now();
    const server = await startTemporalDevServer({ binary: slow, logFile, startTimeoutMs: 120_000 });
    try {
      // The case the SDK's fixed 5 s deadline failed on.
      expect(Date.now() - startedAt).toBeGreaterThan(7_000);
      const workflowId = `slow-start-${Date.now()}`;
      // No worker needed: the server records the start and lists the run.
      await server.client.workflow.start('anyWorkflow', { taskQueue: 'nobody-polls', workflowId, args: [] });
      await eventually(async () => {
        const listed: string[] = [];
        for await (const run of server.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
          listed.push(run.workflowId);
        }
        expect(listed).toEqual([workflowId]);
      }, 30_000);
    } finally {
      await server.teardown();
    }
    expect(server.pid).toBeDefined();
    expect(alive(server.pid ?? 0)).toBe(false);
    const port = Number(server.address.split(':').at(-1));
    expect(await portIsFree('127.0.0.1', port)).toBe(true);
  }, 180_000);

  it('reports a server that exits at once, with its last output, instead of waiting for the deadline', async () => {
    const broken = await executable('broken-temporal', `echo "unknown flag: --ui-codec-endpoint & l'été" >&2\nexit 3`);
    const failure = startTemporalDevServer({
      binary: broken,
      logFile: path.join(dir, 'broken.log'),
      startTimeoutMs: 120_000,
    });
    // The test's own timeout (30 s) is far below the 120 s deadline: the exit must be noticed.
    await expect(failure).rejects.toThrow(DevServerStartError);
    await expect(failure).rejects.toMatchObject({ failure: 'exited' });
    await expect(failure).rejects.toThrow(/exited \(exit code 3\) before it answered/);
    await expect(failure).rejects.toThrow(/unknown flag: --ui-codec-endpoint & l'été/);
    await expect(failure).rejects.toThrow(/its log is \/.+, last lines:/);
  }, 30_000);

  it('names a binary that cannot be run', async () => {
    const missing = path.join(dir, 'no-such-temporal');
    await expect(
      startTemporalDevServer({ binary: missing, logFile: path.join(dir, 'missing.log'), startTimeoutMs: 120_000 }),
    ).rejects.toThrow(/could not run it: spawn .*no-such-temporal ENOENT/);
  }, 30_000);

  it('gives up at its deadline on a server that never answers, and kills one that ignores SIGTERM', async () => {
    const pidFile = path.join(dir, 'stuck.pid');
    // SIGTERM ignored survives exec, so only SIGKILL stops it.
    const stuck = await executable('stuck-temporal', `echo $$ > '${pidFile}'\ntrap '' TERM\nexec sleep 600`);
    const failure = startTemporalDevServer({
      binary: stuck,
      logFile: path.join(dir, 'stuck.log'),
      startTimeoutMs: 2_000,
      stopGraceMs: 500,
    });
    await expect(failure).rejects.toThrow(/did not answer at 127\.0\.0\.1:\d+ within 2 s \(last error: .+\)/);
    await expect(failure).rejects.toMatchObject({ failure: 'deadline' });
    const pid = Number(await readFile(pidFile, 'utf8'));
    expect(alive(pid)).toBe(false);
  }, 30_000);

  it('refuses a port another server holds, naming it', async () => {
    const holder = await startTemporalDevServer({ binary: realCli, startTimeoutMs: 120_000 });
    try {
      const port = Number(holder.address.split(':').at(-1));
      await expect(startTemporalDevServer({ binary: realCli, port })).rejects.toThrow(
        `cannot listen on 127.0.0.1:${port}: the port is in use`,
      );
    } finally {
      await holder.teardown();
    }
    // Its log was in a temporary folder of its own, which goes with it.
    expect(existsSync(holder.logFile ?? '')).toBe(false);
  }, 180_000);

  it('tries another port when the one it chose was taken before the server could bind it', async () => {
    // What a parallel test's connection did in CI: the port was free when chosen, taken at bind.
    // It hangs up at once: the start's readiness poll may knock on it before the server exits.
    const taken = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as AddressInfo).port;
    const chosen: number[] = [];
    const server = await startTemporalDevServer({
      binary: realCli,
      startTimeoutMs: 120_000,
      pickPort: async (ip) => {
        const port = chosen.length === 0 ? takenPort : await freePort(ip);
        chosen.push(port);
        return port;
      },
    }).finally(() => new Promise((resolve) => taken.close(resolve)));
    try {
      expect(chosen).toHaveLength(2);
      expect(server.address).toBe(`127.0.0.1:${chosen[1]}`);
      expect((await server.connection.workflowService.getSystemInfo({})).serverVersion).toBeTruthy();
    } finally {
      await server.teardown();
    }
  }, 180_000);
});
