import type { ServerType } from '@hono/node-server';
import type { Logger } from 'pino';

export interface ShutdownSignalsOptions {
  logger: Logger;
  /** SHUTDOWN_GRACE: how long in-flight work may take once a signal came. */
  graceMs: number;
  /** Starts stopping (stop polling, stop accepting); the entry point awaits the end and exits 0. */
  begin: () => void;
}

/** npm (or tsx) relays a terminal's Ctrl-C to the child that already got it: the same signal this soon is that copy. */
const SAME_SIGNAL_WINDOW_MS = 1_000;
/** Closing connections and the database after the grace period; past this the process is stuck. */
const CLOSE_ALLOWANCE_MS = 15_000;

/**
 * SIGTERM or SIGINT once: `begin()` and let the entry point finish and exit 0. A second signal
 * (another one, or the same one again after a second: not tsx's relayed copy of the first) exits
 * at once with 128 + the signal number. If everything
 * has not closed within the grace period plus an allowance, the process ends with code 1.
 */
export function onShutdownSignals({ logger, graceMs, begin }: ShutdownSignalsOptions): { draining: () => boolean } {
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  const handle = (signal: NodeJS.Signals) => {
    const at = performance.now();
    if (first === undefined) {
      first = { signal, at };
      logger.info({ signal, graceMs }, 'shutting down: finishing in-flight work (a second signal exits at once)');
      setTimeout(() => {
        logger.error({ graceMs }, 'shutdown did not finish in time; exiting');
        process.exit(1);
      }, graceMs + CLOSE_ALLOWANCE_MS).unref();
      begin();
      return;
    }
    if (signal === first.signal && at - first.at < SAME_SIGNAL_WINDOW_MS) return;
    logger.warn({ signal }, 'second signal: exiting without waiting');
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  };
  process.on('SIGINT', handle).on('SIGTERM', handle);
  return { draining: () => first !== undefined };
}

/**
 * Stops accepting connections and resolves once every in-flight request has been answered;
 * connections still open after `graceMs` are cut.
 */
export function drainHttpServer(server: ServerType, graceMs: number): Promise<void> {
  // HTTP/1 (what `serve` starts by default) can close idle keep-alive connections; HTTP/2 cannot.
  const http1 = 'closeIdleConnections' in server ? server : undefined;
  return new Promise((resolve) => {
    const cut = setTimeout(() => http1?.closeAllConnections(), graceMs);
    cut.unref();
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    http1?.closeIdleConnections();
  });
}
