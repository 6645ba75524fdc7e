import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Logger } from 'pino';

/**
 * `npm start` killed with SIGKILL (or by the OOM killer) cannot stop the Temporal dev server it
 * started: the server runs on, holding the embedded port and DATA_DIR/temporal.db, and the next
 * start would fail with "port in use". So the embedded start records the server's pid, with its own
 * pid and the database file, in DATA_DIR/temporal.pid, and the next start on that folder stops a
 * server left behind before starting its own.
 */
export const devServerPidFileOf = (dataDir: string) => path.join(dataDir, 'temporal.pid');

interface DevServerPidRecord {
  /** The dev server. */
  pid: number;
  /** The cartflow process that started it and should have stopped it. */
  parentPid: number;
  dbFilename: string;
  /** Its gRPC address (host:port); absent in records written before CLIs looked it up. */
  address?: string;
}

/** Synchronous: written the moment the server is spawned, so a kill during its start finds it. */
export function recordDevServer(file: string, record: DevServerPidRecord): void {
  writeFileSync(file, JSON.stringify(record), { mode: 0o600 });
}

export async function forgetDevServer(file: string): Promise<void> {
  await rm(file, { force: true });
}

/**
 * Stops the dev server the record names when the cartflow process that started it is gone and the
 * process is still that dev server on `dbFilename` (a pid can be reused); leaves anything else
 * alone. Resolves once it has exited.
 */
export async function stopLeftBehindDevServer(input: {
  file: string;
  dbFilename: string;
  logger: Logger;
  graceMs?: number;
}): Promise<void> {
  const record = await readRecord(input.file);
  if (!record || record.dbFilename !== input.dbFilename) return;
  if (alive(record.parentPid) || !alive(record.pid)) return;
  const command = await commandLineOf(record.pid);
  if (!command?.includes('start-dev') || !command.includes(input.dbFilename)) return;
  input.logger.warn(
    { pid: record.pid, parentPid: record.parentPid },
    'stopping the Temporal dev server an earlier cartflow start on this DATA_DIR left running when it was killed',
  );
  if (!signal(record.pid, 'SIGTERM')) return; // not ours to stop: the start then says the port is taken
  const deadline = Date.now() + (input.graceMs ?? 10_000);
  while (alive(record.pid) && Date.now() < deadline) await delay(50);
  if (alive(record.pid)) signal(record.pid, 'SIGKILL');
  while (alive(record.pid)) await delay(50);
  await forgetDevServer(input.file);
}

/**
 * The dev server the record names when it is still running on `dbFilename` (the one `npm start`
 * runs on this DATA_DIR, or one a killed start left behind: either holds the folder's workflows),
 * so CLIs can reach it without TEMPORAL_ADDRESS; undefined when none runs.
 */
export async function runningDevServerOf(input: {
  file: string;
  dbFilename: string;
}): Promise<{ pid: number; address: string | undefined } | undefined> {
  const record = await readRecord(input.file);
  if (!record || record.dbFilename !== input.dbFilename || !alive(record.pid)) return undefined;
  const command = await commandLineOf(record.pid);
  if (!command?.includes('start-dev') || !command.includes(input.dbFilename)) return undefined;
  return { pid: record.pid, address: record.address };
}

async function readRecord(file: string): Promise<DevServerPidRecord | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const record: unknown = JSON.parse(text);
    if (
      typeof record === 'object' &&
      record !== null &&
      'pid' in record &&
      'parentPid' in record &&
      'dbFilename' in record &&
      Number.isInteger(record.pid) &&
      Number.isInteger(record.parentPid) &&
      typeof record.dbFilename === 'string'
    ) {
      const address = 'address' in record && typeof record.address === 'string' ? record.address : undefined;
      return {
        pid: Number(record.pid),
        parentPid: Number(record.parentPid),
        dbFilename: record.dbFilename,
        ...(address ? { address } : {}),
      };
    }
  } catch {
    // A record cut short by the crash names nobody: nothing to stop.
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/** The process's command line: /proc on Linux, `ps` elsewhere; undefined when neither can tell. */
async function commandLineOf(pid: number): Promise<string | undefined> {
  const proc = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (proc !== undefined) return proc.split('\0').join(' ');
  try {
    const { stdout } = await promisify(execFile)('ps', ['-o', 'args=', '-p', String(pid)]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}
