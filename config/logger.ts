import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import pino, { type Logger } from 'pino';

/** The one pino logger of a process. Ids only in fields: never emails, names or addresses. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'cartflow' } });
}

const TEMPORAL_TO_PINO: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes Temporal's own logs (including `log` in workflows and activities) into pino. Once per
 * process. `ownSignals`: the entry point handles SIGINT/SIGTERM itself (cli/shutdown.ts) instead
 * of Temporal's runtime shutting every worker down on its own.
 */
export function routeTemporalLogs(logger: Logger, { ownSignals = false }: { ownSignals?: boolean } = {}): void {
  const temporalLogger = logger.child({ component: 'temporal' });
  Runtime.install({
    ...(ownSignals ? { shutdownSignals: [] } : {}),
    logger: new DefaultLogger('INFO', ({ level, message, meta }) => {
      temporalLogger[TEMPORAL_TO_PINO[level]](meta ?? {}, message);
    }),
  });
}
