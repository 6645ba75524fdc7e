import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDevServer, runningDevServerOf } from '../../app/dev-server-pid-file';

// How CLIs find the dev server `npm start` runs on a data folder (DATA_DIR/temporal.pid). A
// sleeping node process whose command line reads like the dev server's stands in for it: what is
// checked is the record and the process table, not Temporal.
let dir: string;
let dbFilename: string;
let file: string;
let server: ChildProcess;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-pid-file-'));
  dbFilename = path.join(dir, 'temporal.db');
  file = path.join(dir, 'temporal.pid');
  server = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)', 'server', 'start-dev', dbFilename], {
    stdio: 'ignore',
  });
  await once(server, 'spawn');
});
afterAll(async () => {
  server?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('runningDevServerOf', () => {
  it('finds the live dev server the record names, with the address it listens on', async () => {
    recordDevServer(file, { pid: server.pid!, parentPid: process.pid, dbFilename, address: '127.0.0.1:17233' });
    expect(await runningDevServerOf({ file, dbFilename })).toEqual({ pid: server.pid, address: '127.0.0.1:17233' });
  });

  it('finds it without an address in a record written by an older start', async () => {
    recordDevServer(file, { pid: server.pid!, parentPid: process.pid, dbFilename });
    expect(await runningDevServerOf({ file, dbFilename })).toEqual({ pid: server.pid, address: undefined });
  });

  it('finds nothing for another data folder, a process that is not that dev server, or no record', async () => {
    recordDevServer(file, { pid: server.pid!, parentPid: process.pid, dbFilename });
    expect(await runningDevServerOf({ file, dbFilename: path.join(dir, 'other.db') })).toBeUndefined();

    // A reused pid: this test process is alive but is no dev server.
    recordDevServer(file, { pid: process.pid, parentPid: process.pid, dbFilename });
    expect(await runningDevServerOf({ file, dbFilename })).toBeUndefined();

    await writeFile(file, '{"pid":'); // cut short by a crash
    expect(await runningDevServerOf({ file, dbFilename })).toBeUndefined();
    await rm(file);
    expect(await runningDevServerOf({ file, dbFilename })).toBeUndefined();
  });

  it('finds nothing once the dev server has exited', async () => {
    const gone = spawn(process.execPath, ['-e', '', 'start-dev', dbFilename]);
    await once(gone, 'exit');
    recordDevServer(file, { pid: gone.pid!, parentPid: process.pid, dbFilename });
    expect(await runningDevServerOf({ file, dbFilename })).toBeUndefined();
  });
});
