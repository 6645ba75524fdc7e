import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import pino, { type DestinationStream, type Logger } from 'pino';
import { safeError } from './log-safe-error';

/**
 * The one pino logger of a process. Ids only in fields: never emails, names or addresses; errors
 * (`err`, and `error` from Temporal's log calls) lose the values they carry (config/log-safe-error.ts).
 * `destination`: stdout unless given (tests read the lines).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'cartflow' }, serializers: { err: safeError, error: safeError } };
  return destination ? pino(options, destination) : pino(options);
}

const TEMPORAL_TO_PINO: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Once per process: routes Temporal's own logs (including `log` in workflows and activities) into
 * pino, and with TEMPORAL_METRICS_PORT has the SDK's core export its metrics (workflow and activity
 * task latency, poller counts, sticky cache…) for Prometheus at METRICS_HOST:TEMPORAL_METRICS_PORT.
 * `ownSignals`: the entry point handles SIGINT/SIGTERM itself (app/shutdown.ts) instead of
 * Temporal's runtime shutting every worker down on its own.
 */
export function installTemporalRuntime(
  logger: Logger,
  config: { METRICS_HOST: string; TEMPORAL_METRICS_PORT?: number | undefined },
  { ownSignals = false }: { ownSignals?: boolean } = {},
): void {
  const temporalLogger = logger.child({ component: 'temporal' });
  const { METRICS_HOST: host, TEMPORAL_METRICS_PORT: port } = config;
  Runtime.install({
    ...(ownSignals ? { shutdownSignals: [] } : {}),
    logger: new DefaultLogger('INFO', ({ level, message, meta }) => {
      temporalLogger[pinoLevelOf(level, message)](withoutTaskToken(meta), message);
    }),
    ...(port === undefined
      ? {}
      : {
          telemetryOptions: {
            metrics: {
              prometheus: {
                bindAddress: `${host.includes(':') ? `[${host}]` : host}:${port}`,
                countersTotalSuffix: true,
                unitSuffix: true,
                useSecondsForDurations: true,
              },
            },
          },
        }),
  });
}

/**
 * The SDK logs webpack's whole compilation summary at INFO when a worker bundles its workflows at
 * start: one line of about 1 KB listing every module, the first thing `npm start` prints after
 * the database. It is for whoever debugs the bundle; "Workflow bundle created" (with its size)
 * stays at INFO.
 */
export function pinoLevelOf(level: LogLevel, message: string): (typeof TEMPORAL_TO_PINO)[LogLevel] {
  if (level === 'INFO' && /^asset workflow-bundle-/.test(message) && /\nwebpack [\d.]+ compiled/.test(message)) {
    return 'debug';
  }
  return TEMPORAL_TO_PINO[level];
}

// Activity log lines carry workflowId, runId, activityId and attempt: the ids that join them to the
// rest. The task token is an opaque credential-like blob that joins nothing.
function withoutTaskToken(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!meta || !('taskToken' in meta)) return meta ?? {};
  const { taskToken: _taskToken, ...rest } = meta;
  return rest;
}
