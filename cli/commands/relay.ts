import { Command } from 'commander';
import { environmentHelp } from './environment-help';

export function command(): Command {
  return new Command('relay')
    .description(
      'the outbox relay alone: hands the webhook events the servers stored to Temporal ' +
        '(with OUTBOX_RELAY=off on the servers; docs/durable-intake.md)',
    )
    .addHelpText(
      'after',
      environmentHelp({
        'DATABASE_URL, TEMPORAL_ADDRESS': 'required: no embedded defaults here',
        PAYLOAD_KEYS: 'required: the workflow payloads it starts are encrypted',
        'OUTBOX_POLL, OUTBOX_RETENTION': 'how often it looks for due events; how long delivered rows stay',
        'OUTBOX_BUSY_RATE, OUTBOX_RELAY_NICE':
          'intake first: the rate it keeps to while webhooks pour in (50/s); how far it lowers its CPU priority (10)',
        OUTBOX_YIELD_MAX_LAG: 'full speed again once the oldest waiting event has waited this long (1m)',
        METRICS_PORT: 'serve the outbox metrics (backlog, oldest age, delivered, failed) on this port',
      }),
    )
    .action(async () => {
      const { runRelay } = await import('../../server/relay-main');
      // Resolves once running; the process then lives until SIGTERM.
      await runRelay();
    });
}
