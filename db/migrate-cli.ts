import { loadConfig } from '../config/env';
import { exitWithError, parseNoArguments } from '../app/process';
import { openMigratedDatabase } from '../app/services';

// `npm run migrate`: applies db/migrations to DATABASE_URL (or the embedded PGlite database).
parseNoArguments({
  name: 'cartflow migrate',
  description: 'apply db/migrations to DATABASE_URL (or the embedded PGlite database in DATA_DIR)',
});
try {
  const config = loadConfig();
  const database = await openMigratedDatabase(config);
  await database.close();
  process.stdout.write(`migrations applied to ${database.description}\n`);
} catch (error) {
  exitWithError(error);
}
