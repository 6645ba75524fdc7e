import path from 'node:path';
import { loadConfig } from '../config/env';
import { exitWithError } from '../cli/process';
import { openDatabase } from './client';

// `npm run migrate`: applies db/migrations to DATABASE_URL (or the embedded PGlite database).
try {
  const config = loadConfig();
  const database = await openDatabase(
    config.DATABASE_URL ? { url: config.DATABASE_URL } : { pgliteDir: path.join(config.DATA_DIR, 'pglite') },
  );
  await database.migrate();
  await database.close();
  process.stdout.write(`migrations applied to ${database.description}\n`);
} catch (error) {
  exitWithError(error);
}
