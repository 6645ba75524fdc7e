import { loadConfig } from '../config/env';
import { configuredDatabase, openDatabase } from './client';

/** `cartflow migrate` (`npm run migrate`): applies db/migrations to DATABASE_URL (or the embedded PGlite database). */
export async function migrate(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(configuredDatabase(config));
  await database.migrate();
  await database.close();
  process.stdout.write(`migrations applied to ${database.description}\n`);
}
