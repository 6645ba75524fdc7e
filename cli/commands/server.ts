import { Command } from 'commander';
import { environmentHelp } from './environment-help';

export function command(): Command {
  return new Command('server')
    .description(
      'the HTTP server alone (webhooks, tracking, unsubscribe), against external PostgreSQL and Temporal ' +
        '(`npm run server`)',
    )
    .addHelpText(
      'after',
      environmentHelp({
        'DATABASE_URL, TEMPORAL_ADDRESS': 'required: no embedded defaults here',
        'WEBHOOK_SECRET, TRACKING_SECRET, PAYLOAD_KEYS': 'required',
        'HOST, PORT': 'where it listens (default 127.0.0.1:3000)',
        INBOUND_SMTP_PORT: 'also take unsubscribe and bounce mail on this port (default: off)',
        '…': 'every other variable of .env.example',
      }),
    )
    .action(async () => {
      const { runServer } = await import('../../server/main');
      // Resolves once listening; the process then lives until SIGTERM.
      await runServer();
    });
}
