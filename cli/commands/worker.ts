import { Command } from 'commander';
import { EXIT_OK } from '../../app/exit-codes';
import { environmentHelp } from './environment-help';

export function command(): Command {
  return new Command('worker')
    .description('the Temporal worker alone, against external PostgreSQL, Temporal and SMTP (`npm run worker`)')
    .addHelpText(
      'after',
      environmentHelp({
        'DATABASE_URL, TEMPORAL_ADDRESS, SMTP_URL': 'required: no embedded defaults here',
        'TRACKING_SECRET, PAYLOAD_KEYS': 'required: the same values as the server',
        WORKER_HEALTH_PORT: '/healthz and /readyz on this port (default: none)',
        METRICS_PORT: 'Prometheus metrics on this port (default: none)',
        SHUTDOWN_GRACE: 'how long in-flight activities get after SIGTERM (default 30s)',
        '…': 'every other variable of .env.example',
      }),
    )
    .action(async () => {
      const { runWorker } = await import('../../worker');
      await runWorker();
      process.exit(EXIT_OK);
    });
}
