import { connect } from 'node:net';
import type { RunningProcess } from './child-process';

/** Polls `check` until it resolves, failing early when `exited` rejects (the process died). */
export async function waitUntil<T>(options: {
  what: string;
  check: () => Promise<T>;
  exited?: Promise<never>;
  timeoutMs: number;
}): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  let dead: unknown;
  options.exited?.catch((error: unknown) => {
    dead = error;
  });
  for (;;) {
    if (dead) throw dead;
    try {
      return await options.check();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`${options.what} not ready after ${options.timeoutMs / 1000} s: ${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Waits until `url` (a /readyz) answers 2xx, failing early if the process exits. */
export async function waitForReady(url: string, process: RunningProcess, timeoutMs: number): Promise<void> {
  await waitUntil({
    what: process.name,
    exited: process.exited,
    timeoutMs,
    check: async () => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
    },
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
export async function connectable(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
}
