import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, statSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { freePort, portIsFree } from './free-port';
import { type DevServerArgsOptions, devServerArgs } from './temporal-dev-server-args';

export interface TemporalDevServerOptions extends Partial<Omit<DevServerArgsOptions, 'logLevel'>> {
  /** The `temporal` CLI binary (temporalCliPath()). */
  binary: string;
  /** How long the server may take to answer. Default 60 s: a small VM under load needs more than the SDK's fixed 5 s. */
  startTimeoutMs?: number;
  /** Where the server's stdout and stderr go (appended). Default: a file in a new temporary folder. */
  logFile?: string;
  /** Default `warn`. */
  logLevel?: DevServerArgsOptions['logLevel'];
  /** For the returned client (the payload encryption codec). */
  payloadCodec?: PayloadCodec;
  /** How long teardown waits after SIGTERM before SIGKILL. Default 10 s. */
  stopGraceMs?: number;
  /** Called with the server's pid as soon as it is spawned, before it answers. */
  onSpawn?: (pid: number) => void;
  /** Without `port`: how the port is chosen. Default a free one from the system (tests inject races). */
  pickPort?: (ip: string) => Promise<number>;
}

/** A running dev server and the connections to it; `teardown()` closes them and stops the process. */
export interface TemporalDevServer {
  /** host:port of its gRPC frontend. */
  address: string;
  namespace: string;
  connection: Connection;
  client: Client;
  /** For workers. */
  nativeConnection: NativeConnection;
  /** The process, when it was started here (not by the SDK's download fallback). */
  pid?: number;
  /** Its output, when it was started here. */
  logFile?: string;
  teardown(): Promise<void>;
}

/** Why a dev server did not start; `port-in-use` before it was run, the others with the end of its log. */
export type DevServerFailure = 'port-in-use' | 'exited' | 'deadline' | 'failed';

/** The server failed to start: `message` says why, with the last lines of its log. */
export class DevServerStartError extends Error {
  override name = 'DevServerStartError';
  constructor(
    readonly failure: DevServerFailure,
    message: string,
  ) {
    super(message);
  }
}

const LOG_TAIL_LINES = 20;

/** Tries of a port chosen here, when another process took each before the server could bind it. */
const PORT_TRIES = 3;

/**
 * Starts `temporal server start-dev` as a child process and waits for it to answer gRPC with a
 * deadline of its own (the SDK's launcher gives up after a fixed 5 s). Fails, with the end of the
 * server's log, when the process exits first or the deadline passes; the process is gone then.
 *
 * A port chosen here was free when chosen; another process (a parallel test's outgoing
 * connection) can take it before the server binds it, and the server exits. Then another port is
 * tried, up to PORT_TRIES in all; a port the caller named is not changed.
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (options.port !== undefined || tries === PORT_TRIES || !lostPortRace(error)) throw error;
    }
  }
}

function lostPortRace(error: unknown): boolean {
  return (
    error instanceof DevServerStartError &&
    error.failure === 'exited' &&
    error.message.includes('address already in use')
  );
}

async function startOnce(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await (options.pickPort ?? freePort)(ip));
  const namespace = options.namespace ?? 'default';
  const address = `${ip}:${port}`;
  // Else the readiness poll could be answered by whatever holds the port while this server fails to bind it.
  if (options.port !== undefined && !(await portIsFree(ip, port))) {
    throw new DevServerStartError(
      'port-in-use',
      `the Temporal dev server cannot listen on ${address}: the port is in use (another \`npm start\` or Temporal server?)`,
    );
  }
  const args = devServerArgs({ ...options, ip, port, namespace, logLevel: options.logLevel ?? 'warn' });
  // A folder of our own goes at teardown; after a failed start it stays, since the error names the log in it.
  const ownLogDir = options.logFile ? undefined : await mkdtemp(path.join(os.tmpdir(), 'cartflow-temporal-'));
  const logFile = options.logFile ?? path.join(ownLogDir ?? '', 'server.log');
  const logStart = sizeOf(logFile);
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.binary, args, { stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd); // the child holds its own copy
  }
  const exited = watchExit(child);
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  // Ctrl-C reaches the server too (same process group); this covers the parent exiting any other way.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await stopProcess(child, exited.promise, options.stopGraceMs ?? 10_000);
  };

  const describe = async ([failure, problem]: [DevServerFailure, string]) =>
    new DevServerStartError(
      failure,
      `the Temporal dev server (${options.binary}) ${problem}; its log is ${logFile}, last lines:\n${await logTail(logFile, logStart)}`,
    );
  try {
    const connection = await waitUntilServing({
      address,
      namespace,
      deadline: Date.now() + (options.startTimeoutMs ?? 60_000),
      exited,
    });
    const nativeConnection = await NativeConnection.connect({ address }).catch(async (error: unknown) => {
      await connection.close();
      throw error;
    });
    const client = new Client({
      connection,
      namespace,
      ...(options.payloadCodec ? { dataConverter: { payloadCodecs: [options.payloadCodec] } } : {}),
    });
    let tornDown: Promise<void> | undefined;
    return {
      address,
      namespace,
      connection,
      client,
      nativeConnection,
      pid: child.pid,
      logFile,
      teardown: () =>
        (tornDown ??= (async () => {
          await nativeConnection.close().catch(() => {});
          await connection.close().catch(() => {});
          await stop();
          if (ownLogDir) await rm(ownLogDir, { recursive: true, force: true });
        })()),
    };
  } catch (error) {
    // The log's end is read before the process is stopped: what it writes while stopping is not the cause.
    const failure = await describe(problemOf(error, { address, timeoutMs: options.startTimeoutMs ?? 60_000 }));
    await stop();
    throw failure;
  }
}

function problemOf(error: unknown, context: { address: string; timeoutMs: number }): [DevServerFailure, string] {
  if (error instanceof ExitedEarly)
    return ['exited', `exited (${error.reason}) before it answered at ${context.address}`];
  if (error instanceof DeadlinePassed) {
    const seconds = context.timeoutMs / 1000;
    return ['deadline', `did not answer at ${context.address} within ${seconds} s (last error: ${error.lastError})`];
  }
  return ['failed', `could not be started: ${error instanceof Error ? error.message : String(error)}`];
}

class ExitedEarly extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}
class DeadlinePassed extends Error {
  constructor(readonly lastError: string) {
    super(lastError);
  }
}

interface ExitWatch {
  promise: Promise<string>;
  /** Why the process is gone, once it is. */
  reason: string | undefined;
}

function watchExit(child: ChildProcess): ExitWatch {
  const watch: ExitWatch = { reason: undefined, promise: Promise.resolve('') };
  watch.promise = new Promise((resolve) => {
    child.on('error', (error) => {
      watch.reason ??= `could not run it: ${error.message}`;
      resolve(watch.reason);
    });
    child.once('exit', (code, signal) => {
      watch.reason ??= signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve(watch.reason);
    });
  });
  return watch;
}

/** Polls a real gRPC call (system info, then the namespace) with backoff until the deadline or the process's exit. */
async function waitUntilServing(input: {
  address: string;
  namespace: string;
  deadline: number;
  exited: ExitWatch;
}): Promise<Connection> {
  let pause = 50;
  let lastError = 'no answer yet';
  for (;;) {
    if (input.exited.reason) throw new ExitedEarly(input.exited.reason);
    const remaining = input.deadline - Date.now();
    if (remaining <= 0) throw new DeadlinePassed(lastError);
    const connection = Connection.lazy({ address: input.address, connectTimeout: Math.min(remaining, 2_000) });
    const attempt = (async () => {
      await connection.ensureConnected();
      await connection.workflowService.describeNamespace({ namespace: input.namespace });
    })().then(
      () => true,
      (error: unknown) => {
        lastError = error instanceof Error ? error.message : String(error);
        return false;
      },
    );
    // An exit ends the attempt at once rather than after its connect timeout.
    if (await Promise.race([attempt, input.exited.promise.then(() => false)])) return connection;
    await connection.close().catch(() => {});
    // Wakes early when the process exits, so an early exit is reported at once.
    await Promise.race([delay(Math.min(pause, Math.max(0, input.deadline - Date.now()))), input.exited.promise]);
    pause = Math.min(pause * 2, 1_000);
  }
}

async function stopProcess(child: ChildProcess, exited: Promise<string>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), delay(graceMs).then(() => false)]);
  if (stopped) return;
  child.kill('SIGKILL');
  await exited;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The last lines this run wrote to the log (earlier runs' lines are not this failure's). */
async function logTail(file: string, from: number): Promise<string> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return '(no log)';
  try {
    const text = (await handle.readFile()).subarray(from).toString('utf8');
    const lines = text.trimEnd().split('\n').slice(-LOG_TAIL_LINES);
    return lines.join('\n') || '(empty)';
  } finally {
    await handle.close();
  }
}
