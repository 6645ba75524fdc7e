import type { Logger } from 'pino';
import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from './client';

/** Tables whose plans turn as one of them grows: that one's size decides when they are analysed. */
export interface TableGroup {
  /** What the warnings call them. */
  name: string;
  /** The table that grows by one row per counted event. */
  growing: string;
  /** Every table to analyse with it. */
  tables: readonly string[];
}

/** What a webhook's store writes and the relay's claim reads (server/intake-store.ts counts stored events). */
export const INTAKE_TABLES: TableGroup = {
  name: 'the intake tables',
  growing: 'cart_events',
  tables: ['cart_events', 'outbox', 'carts', 'customers', 'orders'],
};

/**
 * What a chain step's facts, claim and record read besides the intake's (activities/run-chain-step.ts
 * counts steps): a step adds a `messages` row, a first step a `chains` row.
 */
export const STEP_TABLES: TableGroup = {
  name: 'the send tables',
  growing: 'messages',
  tables: ['messages', 'chains', 'discount_codes'],
};

/** A table group as PostgreSQL's planner sees it. */
export interface AnalysedTables {
  /** The growing table's row count at its last analysis (0 when never analysed). */
  analysedRows(): Promise<number>;
  /** ANALYZE of every table of the group. */
  analyse(): Promise<void>;
}

export function postgresTables(db: Db, group: TableGroup): AnalysedTables {
  // Names of cartflow's own tables, never input: written into the text.
  const tables = sql.raw(group.tables.join(', '));
  return {
    async analysedRows() {
      const [row] = rowsOf<{ rows: number }>(
        await db.execute(
          sql`select greatest(reltuples, 0)::float8 as rows from pg_class where oid = ${group.growing}::regclass`,
        ),
      );
      return Number(row?.rows ?? 0);
    },
    async analyse() {
      await db.execute(sql`analyze ${tables}`);
    },
  };
}

export interface YoungTableStatisticsOptions {
  tables: AnalysedTables;
  /** What the warnings call them. */
  name: string;
  logger: Pick<Logger, 'warn' | 'debug'>;
  /** The first ANALYZE comes after this many counted events; later ones each time the table doubled. Default 500. */
  firstAfter?: number;
  /**
   * Once analysed at this size the tables are analysed no more by this process: plans made for
   * tables this large already use the indexes, and autovacuum's 10 % rule keeps the statistics
   * from there. Default 10,000 (six analyses: at 500, 1,000, 2,000 … 16,000 events).
   */
  settledAt?: number;
}

/**
 * Keeps PostgreSQL's statistics of a group of tables up with a young install's first burst.
 *
 * Autovacuum analyses a table after its first 50 changed rows: a new install's first test
 * webhooks, or its first test emails. PostgreSQL then plans the statements on these tables for a
 * few pages and keeps those plans in each connection (a prepared statement's generic plan, the
 * foreign-key checks'): a sequential scan of `carts` and of `customers` per stored webhook, of
 * `messages`, `chains`, `carts` and `customers` per chain step. When the shop's traffic arrives
 * those scans grow with the tables. Intake fell from ~7,000 to ~300 webhooks/s until autovacuum's
 * next round, about a minute later, analysed the tables again
 * (`node --import tsx bench/intake-first-burst.ts`, BENCHMARKS.md "A new install's first burst").
 *
 * So the processes analyse their tables themselves while they are young: after `firstAfter`
 * events, then each time the events a process counted reach the table's size at its last analysis
 * (the table doubled), until that size reaches `settledAt`. An ANALYZE invalidates every
 * connection's cached plans of these tables; it takes no lock that a write waits on. Six per
 * install, each a few milliseconds on tables this small; a restart reads the last analysis's size
 * and goes on.
 */
export function createYoungTableStatistics({
  tables,
  name,
  logger,
  firstAfter = 500,
  settledAt = 10_000,
}: YoungTableStatisticsOptions) {
  /** The growing table's row count at the last analysis; undefined until read (the first event reads it). */
  let analysedRows: number | undefined;
  let countedSince = 0;
  /** After a failure: events to count before the next attempt (no retry per event while Postgres is down). */
  let holdOff = 0;
  let running: Promise<void> | undefined;
  let settled = false;

  async function catchUp(): Promise<void> {
    if (analysedRows === undefined) {
      analysedRows = await tables.analysedRows();
    } else if (countedSince >= Math.max(firstAfter, analysedRows)) {
      const counted = countedSince;
      await tables.analyse();
      countedSince -= counted;
      analysedRows = await tables.analysedRows();
      logger.debug({ rows: analysedRows }, `${name} analysed`);
    }
    if (analysedRows >= settledAt) settled = true;
  }

  return {
    /** `count` rows were added to the growing table (or as many events that add at most one each). */
    added(count: number): void {
      if (settled || count === 0) return;
      countedSince += count;
      holdOff = Math.max(0, holdOff - count);
      if (running || holdOff > 0) return;
      running = catchUp()
        .catch((error: unknown) => {
          // Only the plans wait longer for fresh statistics (autovacuum's): the writes are not affected.
          holdOff = firstAfter;
          logger.warn({ err: error }, `could not analyse ${name}; trying again later, and autovacuum will`);
        })
        .finally(() => {
          running = undefined;
        });
    },
    /** Resolves once the analysis under way, if any, has finished (before closing the database; tests). */
    async idle(): Promise<void> {
      await running;
    },
  };
}

export type YoungTableStatistics = ReturnType<typeof createYoungTableStatistics>;
