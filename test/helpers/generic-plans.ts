import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import type { Db } from '../../db/client';
import * as schema from '../../db/schema';

/**
 * Runs `use` on a connection where PostgreSQL plans every prepared statement once for all values
 * (`plan_cache_mode = force_generic_plan`: what a statement may get after five runs in production)
 * and returns the plan of each statement it ran, as auto_explain writes them. A generic plan cannot
 * see the values bound to parameters, so it is where a missing index or an unindexable condition
 * shows as a sequential scan however small the test's data.
 */
export async function genericPlansOf(url: string, use: (db: Db) => Promise<unknown>): Promise<string[]> {
  const plans: string[] = [];
  const sql = postgres(url, {
    max: 1,
    onnotice: (notice) => {
      if (notice.message?.includes('plan:')) plans.push(notice.message);
    },
  });
  try {
    await loadAutoExplain(sql);
    await sql.unsafe(`set auto_explain.log_min_duration = 0`);
    await sql.unsafe(`set plan_cache_mode = force_generic_plan`);
    await use(drizzle(sql, { schema }) as unknown as Db);
    return plans;
  } finally {
    await sql.end();
  }
}

/** The tables a plan reads from start to end (`Seq Scan on carts`, `Seq Scan on carts c`). */
export function sequentialScans(plans: readonly string[]): string[] {
  return plans.flatMap((plan) => [...plan.matchAll(/Seq Scan on (\w+)/g)].map((match) => match[1] as string));
}

/** A one-connection client whose plans PostgreSQL reports while `record` runs (see planReportingConnection). */
export interface PlanReportingConnection {
  sql: postgres.Sql;
  db: Db;
  /** Runs `use` with every statement's plan reported, and returns those plans. */
  record(use: () => Promise<unknown>): Promise<string[]>;
}

/**
 * A connection that keeps PostgreSQL's own plan cache (a prepared statement's custom plans, then
 * maybe its generic one), with auto_explain ready to report the plan of every statement it runs,
 * the foreign-key checks' included, while `record` runs. For plans that go stale as tables grow.
 */
export async function planReportingConnection(url: string): Promise<PlanReportingConnection> {
  let recording: string[] | undefined;
  const sql = postgres(url, {
    max: 1,
    onnotice: (notice) => {
      if (notice.message?.includes('plan:')) recording?.push(notice.message);
    },
  });
  await loadAutoExplain(sql);
  return {
    sql,
    db: drizzle(sql, { schema }) as unknown as Db,
    async record(use) {
      const plans: string[] = [];
      recording = plans;
      await sql.unsafe(`set auto_explain.log_min_duration = 0`);
      try {
        await use();
      } finally {
        await sql.unsafe(`set auto_explain.log_min_duration = -1`);
        recording = undefined;
      }
      return plans;
    },
  };
}

/** auto_explain on this connection, its plans as notices, nested statements included; reporting starts at log_min_duration. */
async function loadAutoExplain(sql: postgres.Sql): Promise<void> {
  // auto_explain ships with PostgreSQL; LOAD needs a superuser, which the test cluster's is.
  await sql.unsafe(`load 'auto_explain'`);
  await sql.unsafe(`set auto_explain.log_level = notice`);
  await sql.unsafe(`set auto_explain.log_nested_statements = on`);
}
