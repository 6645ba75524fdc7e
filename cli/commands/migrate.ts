import { Command } from 'commander';
import { DATABASE_ENVIRONMENT, environmentHelp } from './environment-help';

export function command(): Command {
  const { DATABASE_URL, DATA_DIR } = DATABASE_ENVIRONMENT;
  return new Command('migrate')
    .description('apply db/migrations to DATABASE_URL, or to the embedded PGlite database in DATA_DIR')
    .addHelpText('after', environmentHelp({ DATABASE_URL, DATA_DIR }))
    .action(async () => {
      const { migrate } = await import('../../db/migrate-cli');
      await migrate();
    });
}
