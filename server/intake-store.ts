import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { createGroupCommit, type StoreCartEvent } from '../db/group-commit';
import { createYoungTableStatistics, INTAKE_TABLES, postgresTables } from '../db/young-table-statistics';
import type { ServerMetrics } from '../metrics/server-metrics';

/** Most event ids named in one retry warning: a batch holds up to 64. */
const LOGGED_IDS = 10;

/**
 * The app's one group commit (db/group-commit.ts), with its retries after a deadlock or
 * serialization failure counted (cartflow_intake_store_retries_total) and warned about. The
 * warning names event ids only, never the error: drizzle's message lists the statement's
 * parameters, which include customers' emails and names. New events are counted for the young
 * tables' statistics (db/young-table-statistics.ts).
 */
export function createIntakeStore({
  db,
  logger,
  metrics,
}: {
  db: Db;
  logger: Logger;
  metrics?: ServerMetrics;
}): StoreCartEvent {
  const statistics = createYoungTableStatistics({
    tables: postgresTables(db, INTAKE_TABLES),
    name: INTAKE_TABLES.name,
    logger,
  });
  const store = createGroupCommit({
    db,
    onConflictRetry: ({ reason, retry, eventIds }) => {
      metrics?.intakeStoreRetry(reason);
      logger.warn(
        { reason, retry, events: eventIds.length, eventIds: eventIds.slice(0, LOGGED_IDS) },
        'database aborted the intake transaction; storing its events again',
      );
    },
  });
  return async (input) => {
    const stored = await store(input);
    if (stored.kind === 'new' || stored.kind === 'cart_purchased') statistics.added(1);
    return stored;
  };
}
