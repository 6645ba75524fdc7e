import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, inject } from 'vitest';
import { type TestDatabase, createTestDatabase } from './database';

export interface DatabaseAndTemporal {
  database: TestDatabase;
  client: Client;
}

/**
 * The set-up most integration files share: a database of the file's own on the suite's
 * PostgreSQL and a client of the suite's Temporal dev server, opened before the file's tests
 * (handed to `opened`) and closed after them.
 */
export function useDatabaseAndTemporal(opened: (servers: DatabaseAndTemporal) => void): void {
  let database: TestDatabase | undefined;
  let connection: Connection | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    connection = await Connection.connect({ address: inject('temporalAddress') });
    opened({ database, client: new Client({ connection }) });
  });
  afterAll(async () => {
    await connection?.close();
    await database?.drop();
  });
}
