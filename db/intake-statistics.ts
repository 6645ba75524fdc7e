import type { Logger } from 'pino';
import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from './client';

/** The tables a webhook's store and the relay's claim read: their plans depend on these statistics. */
const INTAKE_TABLES = sql.raw('cart_events, outbox, carts, customers');

/** The intake tables as PostgreSQL's planner sees them. */
export interface IntakeTables {
  /** cart_events' row count at its last analysis (0 when never analysed). */
  analysedRows(): Promise<number>;
  /** ANALYZE of every intake table. */
  analyse(): Promise<void>;
}

export function postgresIntakeTables(db: Db): IntakeTables {
  return {
    async analysedRows() {
      const [row] = rowsOf<{ rows: number }>(
        await db.execute(
          sql`select greatest(reltuples, 0)::float8 as rows from pg_class where oid = 'cart_events'::regclass`,
        ),
      );
      return Number(row?.rows ?? 0);
    },
    async analyse() {
      await db.execute(sql`analyze ${INTAKE_TABLES}`);
    },
  };
}

export interface IntakeStatisticsOptions {
  tables: IntakeTables;
  logger: Logger;
  /** The first ANALYZE comes after this many stored events; later ones each time the table doubled. Default 500. */
  firstAfter?: number;
  /**
   * Once analysed at this size the tables are analysed no more by this process: plans made for
   * tables this large already use the indexes, and autovacuum's 10 % rule keeps the statistics
   * from there. Default 10,000 (six analyses: at 500, 1,000, 2,000 … 16,000 events).
   */
  settledAt?: number;
}

/**
 * Keeps PostgreSQL's statistics of the intake tables up with a young install's first burst.
 *
 * Autovacuum analyses a table after its first 50 changed rows: a new install's first test
 * webhooks. PostgreSQL then plans the intake statement and the foreign-key check on `customers`
 * for tables of a few pages and keeps that plan in each connection (a prepared statement's generic
 * plan): one sequential scan of `carts` and one of `customers` per stored event. When the shop's
 * traffic arrives those scans grow with the tables, and intake fell from ~7,000 to ~300 webhooks/s
 * until autovacuum's next round, about a minute later, analysed the tables again
 * (`node --import tsx bench/intake-first-burst.ts`, BENCHMARKS.md "A new install's first burst").
 *
 * So the server analyses the intake tables itself while they are young: after `firstAfter` new
 * events, then each time the events it stored reach the table's size at its last analysis (the
 * table doubled), until that size reaches `settledAt`. An ANALYZE invalidates every connection's
 * cached plans of these tables; it takes no lock that a webhook waits on. Six per install, each a
 * few milliseconds on tables this small; a restart reads the last analysis's size and goes on.
 */
export function createIntakeStatistics({
  tables,
  logger,
  firstAfter = 500,
  settledAt = 10_000,
}: IntakeStatisticsOptions) {
  /** cart_events' row count at the last analysis; undefined until read (the first event reads it). */
  let analysedRows: number | undefined;
  let storedSince = 0;
  /** After a failure: events to store before the next attempt (no retry per webhook while Postgres is down). */
  let holdOff = 0;
  let busy = false;
  let settled = false;

  async function catchUp(): Promise<void> {
    if (analysedRows === undefined) {
      analysedRows = await tables.analysedRows();
    } else if (storedSince >= Math.max(firstAfter, analysedRows)) {
      const stored = storedSince;
      await tables.analyse();
      storedSince -= stored;
      analysedRows = await tables.analysedRows();
      logger.debug({ rows: analysedRows }, 'intake tables analysed');
    }
    if (analysedRows >= settledAt) settled = true;
  }

  return {
    /** `count` new events were committed. */
    stored(count: number): void {
      if (settled || count === 0) return;
      storedSince += count;
      holdOff = Math.max(0, holdOff - count);
      if (busy || holdOff > 0) return;
      busy = true;
      catchUp()
        .catch((error: unknown) => {
          // Only the plans wait longer for fresh statistics (autovacuum's): intake itself is not affected.
          holdOff = firstAfter;
          logger.warn({ err: error }, 'could not analyse the intake tables; trying again later, and autovacuum will');
        })
        .finally(() => {
          busy = false;
        });
    },
  };
}

export type IntakeStatistics = ReturnType<typeof createIntakeStatistics>;
