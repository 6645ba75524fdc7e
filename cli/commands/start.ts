import { Command } from 'commander';
import { EXIT_OK } from '../../app/exit-codes';
import { environmentHelp } from './environment-help';

export function command(): Command {
  return new Command('start')
    .description(
      'the worker and the HTTP server in one process; embeds a Temporal dev server, PGlite and an SMTP sink ' +
        'for whatever is not configured (`npm start`)',
    )
    .addHelpText(
      'after',
      environmentHelp({
        TEMPORAL_ADDRESS: 'an external Temporal (default: the embedded dev server, UI on TEMPORAL_UI_PORT)',
        DATABASE_URL: 'an external PostgreSQL (default: PGlite in DATA_DIR)',
        SMTP_URL: 'an SMTP relay (default: a sink writing .eml files to OUTBOX_DIR)',
        'HOST, PORT': 'where the HTTP server listens (default 127.0.0.1:3000)',
        '…': 'every other variable of .env.example',
      }),
    )
    .action(async () => {
      const { runStart } = await import('../start');
      await runStart();
      // The worker stopped and everything is closed: leave even if a library holds a timer.
      process.exit(EXIT_OK);
    });
}
