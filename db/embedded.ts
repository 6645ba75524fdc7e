import { once } from 'node:events';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type { ServerThreadInput, ServerThreadMessage } from './embedded-server-thread';

// PGlite is one process's database: a second process opening the same folder works on its own
// copy and its writes are lost. So one process at a time opens the folder, and says so in a lock
// file beside it (pid, and the port when it serves the database to others). Everyone else either
// connects to that port or is refused with a message that says what to do.

/** The lock file's content: who has the folder open, and where it serves it (null: it does not). */
export interface EmbeddedLock {
  pid: number;
  port: number | null;
  startedAt: string;
}

/** Another live process has the folder open and cannot be shared with: the message says what to do. */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
}

/** How this process reaches the embedded database. */
export type EmbeddedAccess =
  /** Another process serves it: talk to it over the wire protocol. */
  | { kind: 'connect'; url: string; holder: EmbeddedLock }
  /** Nobody had it: this process opened the folder itself (not shared). */
  | { kind: 'direct'; client: PGlite; close(): Promise<void> }
  /** This process opened it and serves it on 127.0.0.1 to itself and everyone else. */
  | { kind: 'served'; url: string; close(): Promise<void> };

/** Concurrent wire clients; each cartflow process uses one, psql and BI tools a few each. */
const MAX_CONNECTIONS = 32;

export const lockFileOf = (pgliteDir: string) => `${path.resolve(pgliteDir)}.lock`;
export const connectionUrl = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;

/**
 * Opens the embedded database in `pgliteDir` the one safe way: connect to the process that serves
 * it, or else take the folder (recovering the lock of a crashed process) and, with `servePort`,
 * serve it on 127.0.0.1 (`npm start`). Refuses when a live process has it open without serving it.
 */
export async function openEmbedded(options: { pgliteDir: string; servePort?: number }): Promise<EmbeddedAccess> {
  const dir = path.resolve(options.pgliteDir);
  const lockFile = lockFileOf(dir);
  await mkdir(path.dirname(dir), { recursive: true });
  for (;;) {
    const holder = await readLock(lockFile);
    if (holder && isAlive(holder.pid)) return connectTo({ dir, lockFile, holder, serving: options.servePort });
    // No lock, or a crashed process's: take it (if two race for a stale lock, `link` lets one win).
    if (holder) await unlink(lockFile).catch(ignoreMissing);
    if (await createLock(lockFile)) break;
  }
  try {
    await mkdir(dir, { recursive: true });
    if (options.servePort !== undefined) return await serve({ dir, lockFile, port: options.servePort });
    const client = await PGlite.create(dir);
    return { kind: 'direct', client, close: () => client.close().finally(() => releaseLock(lockFile)) };
  } catch (error) {
    await releaseLock(lockFile);
    throw error;
  }
}

async function connectTo(input: {
  dir: string;
  lockFile: string;
  holder: EmbeddedLock;
  serving: number | undefined;
}): Promise<EmbeddedAccess> {
  const { dir, lockFile, holder } = input;
  const since = `pid ${holder.pid}, since ${holder.startedAt}`;
  if (holder.port === null) {
    throw new DatabaseInUseError(
      `the embedded database ${dir} is open in another cartflow process (${since}) that does not share it. ` +
        'Wait for that command to finish (or for `npm start` to finish starting) and try again.',
    );
  }
  if (input.serving !== undefined) {
    throw new DatabaseInUseError(
      `the embedded database ${dir} is already served by another \`npm start\` (${since}) at ` +
        `${connectionUrl(holder.port)}. Stop that one first, or give this one its own DATA_DIR.`,
    );
  }
  if (!(await answers(holder.port))) {
    throw new DatabaseInUseError(
      `process ${holder.pid} holds the embedded database ${dir} but does not answer on 127.0.0.1:${holder.port}. ` +
        `If \`npm start\` is stopping, try again in a moment; if process ${holder.pid} is not cartflow, delete ${lockFile}.`,
    );
  }
  return { kind: 'connect', url: connectionUrl(holder.port), holder };
}

/** How long closing waits for the server thread to close the folder before ending it. */
const THREAD_STOP_MS = 10_000;

/**
 * Opens the folder in a thread of its own and serves it there (db/embedded-server-thread.ts), so a
 * long statement from any client holds up only that thread, not this process's event loop.
 */
async function serve(input: { dir: string; lockFile: string; port: number }): Promise<EmbeddedAccess> {
  const { lockFile } = input;
  const thread = new Worker(new URL('./embedded-server-thread.mjs', import.meta.url), {
    workerData: { dir: input.dir, port: input.port, maxConnections: MAX_CONNECTIONS } satisfies ServerThreadInput,
  });
  const exited = once(thread, 'exit');
  const first = await Promise.race([
    once(thread, 'message').then(([message]) => message as ServerThreadMessage),
    once(thread, 'error').then(([error]): ServerThreadMessage => ({
      kind: 'failed',
      code: undefined,
      message: error instanceof Error ? error.message : String(error),
    })),
    exited.then((): ServerThreadMessage => ({ kind: 'failed', code: undefined, message: 'the thread ended' })),
  ]);
  if (first.kind === 'failed') {
    await thread.terminate();
    if (first.code === 'EADDRINUSE') {
      throw new DatabaseInUseError(
        `EMBEDDED_DB_PORT ${input.port} is taken by another program: set EMBEDDED_DB_PORT to a free port (0: any).`,
      );
    }
    throw new Error(`the embedded database ${input.dir} could not be served: ${first.message}`);
  }
  await writeLock(lockFile, { pid: process.pid, port: first.port, startedAt: new Date().toISOString() }, 'replace');
  return {
    kind: 'served',
    url: connectionUrl(first.port),
    async close() {
      try {
        thread.postMessage('stop');
        // A thread that does not finish closing in time is ended: the folder's lock still goes.
        await Promise.race([exited, delay(THREAD_STOP_MS, undefined, { ref: false }).then(() => thread.terminate())]);
      } finally {
        await releaseLock(lockFile);
      }
    },
  };
}

async function readLock(lockFile: string): Promise<EmbeddedLock | undefined> {
  let text: string;
  try {
    text = await readFile(lockFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // Written whole (link/rename), so unreadable content is not a half-written lock: treat it as stale.
  try {
    const lock = JSON.parse(text) as EmbeddedLock;
    return Number.isInteger(lock.pid) ? lock : { pid: -1, port: null, startedAt: '' };
  } catch {
    return { pid: -1, port: null, startedAt: '' };
  }
}

/** Creates the lock naming this process; false when another process created it first. */
async function createLock(lockFile: string): Promise<boolean> {
  try {
    await writeLock(lockFile, { pid: process.pid, port: null, startedAt: new Date().toISOString() }, 'create');
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Writes a temporary file, then links (create: fails if the lock exists) or renames it into place. */
async function writeLock(lockFile: string, lock: EmbeddedLock, mode: 'create' | 'replace'): Promise<void> {
  const temporary = `${lockFile}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(lock)}\n`, { mode: 0o600 });
  try {
    if (mode === 'create') await link(temporary, lockFile);
    else await rename(temporary, lockFile);
  } finally {
    await unlink(temporary).catch(ignoreMissing);
  }
}

/** Removes the lock if it still names this process. */
async function releaseLock(lockFile: string): Promise<void> {
  const lock = await readLock(lockFile);
  if (lock?.pid === process.pid) await unlink(lockFile).catch(ignoreMissing);
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
