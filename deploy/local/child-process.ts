import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface ProcessOptions {
  /** Shown in errors: `temporal-server`, `cartflow-worker`... */
  name: string;
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  /** stdout and stderr go here, so a quiet test stays quiet and a failure can quote the log. */
  logFile: string;
}

export interface RunningProcess {
  name: string;
  logFile: string;
  /** Rejects with the log's tail if the process exits before it is stopped. */
  exited: Promise<never>;
  /** SIGTERM to the process group (npm → tsx → node), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a long-running process in its own process group, so stopping it also stops the
 * children npm and tsx start, and nothing outlives the stack.
 */
export function startProcess(options: ProcessOptions): RunningProcess {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  logOutput(child, options.logFile);
  let stopping = false;
  const exited = exitOf(child).then(async ({ code, signal }): Promise<never> => {
    if (stopping) return new Promise<never>(() => {});
    throw new Error(`${options.name} exited (${signal ?? `code ${code}`}):\n${await logTail(options.logFile)}`);
  });
  // Whoever waits on readiness observes the rejection; until then it must not be "unhandled".
  exited.catch(() => {});
  return {
    name: options.name,
    logFile: options.logFile,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      const done = exitOf(child);
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await done;
      clearTimeout(timer);
    },
  };
}

/** Runs a command to its end (a one-shot like `npm run migrate`); rejects with the log's tail on failure. */
export async function runToEnd(options: ProcessOptions): Promise<void> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logged = logOutput(child, options.logFile);
  const { code, signal } = await exitOf(child);
  await logged;
  if (code !== 0) {
    throw new Error(`${options.name} failed (${signal ?? `code ${code}`}):\n${await logTail(options.logFile)}`);
  }
}

/**
 * stdout and stderr into one log file, which is ended once both are closed. Piped with the default
 * `end: true`, whichever stream closed first ended the file, and a last chunk on the other then
 * threw "write after end" as an uncaught exception (seen in CI, test/e2e/production-stack.test.ts).
 * Resolves when the file is written.
 */
function logOutput(child: ChildProcess, logFile: string): Promise<void> {
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  // A spawn that failed emits 'error' and no 'close': its caller sees that through the exit; end the file anyway.
  return once(child, 'close')
    .catch(() => undefined)
    .then(() => new Promise<void>((resolve) => log.end(resolve)));
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return once(child, 'exit').then(([code, signal]) => ({ code, signal }));
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** The last lines of a log, for an error that says why a process stopped. */
export async function logTail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  // Go servers log one JSON line per event, stack trace included: keep each line readable.
  const tail = text.trimEnd().split('\n').slice(-lines);
  return tail.map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line)).join('\n') || '(no output)';
}
