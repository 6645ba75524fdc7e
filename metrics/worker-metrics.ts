import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { Counter, Histogram, Registry } from 'prom-client';
import type { SmtpErrorClass } from '../mail/smtp-error-class';

/** `unconfirmed`: not sent again, though an earlier attempt that died may have sent it. */
export type StepOutcome = 'sent' | 'already_sent' | 'skipped' | 'unconfirmed' | 'deferred';

/** What the worker reports: each step's outcome, SMTP failures and activity latency. */
export interface WorkerMetrics {
  registry: Registry;
  /** A campaign step decided and done (reason: why it was skipped or deferred). */
  step(step: { campaign: string; step: string; outcome: StepOutcome; reason?: string }): void;
  smtpError(errorClass: SmtpErrorClass): void;
  /** Times every activity the worker runs (Worker `interceptors.activity`). */
  activityInterceptor: ActivityInterceptorsFactory;
}

export function createWorkerMetrics(registry = new Registry()): WorkerMetrics {
  const emails = new Counter({
    name: 'cartflow_emails_total',
    help: 'Campaign steps by campaign, step and outcome (sent, already_sent, skipped, unconfirmed, deferred) and the reason of a skip or deferral',
    labelNames: ['campaign', 'step', 'outcome', 'reason'],
    registers: [registry],
  });
  const smtpErrors = new Counter({
    name: 'cartflow_smtp_errors_total',
    help: 'Failed SMTP sends by class: 4xx (temporary, retried), 5xx (permanent, a hard bounce), network, other',
    labelNames: ['class'],
    registers: [registry],
  });
  const activityDuration = new Histogram({
    name: 'cartflow_activity_duration_seconds',
    help: 'Activity execution time by activity type and outcome (completed, failed)',
    labelNames: ['activity', 'outcome'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });

  return {
    registry,
    step: ({ campaign, step, outcome, reason }) => emails.inc({ campaign, step, outcome, reason: reason ?? '' }),
    smtpError: (errorClass) => smtpErrors.inc({ class: errorClass }),
    activityInterceptor: (ctx) => ({
      inbound: {
        async execute(input, next) {
          const end = activityDuration.startTimer({ activity: ctx.info.activityType });
          try {
            const result = await next(input);
            end({ outcome: 'completed' });
            return result;
          } catch (error) {
            end({ outcome: 'failed' });
            throw error;
          }
        },
      },
    }),
  };
}
