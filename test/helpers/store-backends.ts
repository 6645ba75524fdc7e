import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Db, openDatabase } from '../../db/client';
import { createTestDatabase } from './database';

/** A database the intake store runs on: `open()` gives a migrated one of its own, `close()` removes it. */
export interface StoreBackend {
  name: string;
  open(): Promise<{ db: Db; close(): Promise<void> }>;
}

/** The real PostgreSQL and the embedded PGlite (`npm start`'s default): the store must behave the same on both. */
export const storeBackends: StoreBackend[] = [
  {
    name: 'PostgreSQL',
    async open() {
      const database = await createTestDatabase();
      return { db: database.db, close: () => database.drop() };
    },
  },
  {
    name: 'PGlite (the embedded default)',
    async open() {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-store-'));
      const database = await openDatabase({ pgliteDir: path.join(dir, 'pglite') });
      await database.migrate();
      return {
        db: database.db,
        close: () => database.close().finally(() => rm(dir, { recursive: true, force: true })),
      };
    },
  },
];
