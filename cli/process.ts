import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';

/** True when the module at `moduleUrl` is the script node/tsx was started with. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(path.resolve(script)).href === moduleUrl;
}

export interface RunUntilSignalOptions {
  /** Resolves when the process's work is over. */
  run: () => Promise<unknown>;
  /** Asked to end `run` on SIGINT/SIGTERM. */
  stop: () => Promise<void>;
}

export async function runUntilSignal(logger: Logger, { run, stop }: RunUntilSignalOptions): Promise<void> {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    stop().catch((error: unknown) => logger.error({ err: error }, 'shutdown failed'));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
