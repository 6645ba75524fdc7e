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
    // auto_explain ships with PostgreSQL; LOAD needs a superuser, which the test cluster's is.
    await sql.unsafe(`load 'auto_explain'`);
    await sql.unsafe(`set auto_explain.log_min_duration = 0`);
    await sql.unsafe(`set auto_explain.log_level = notice`);
    await sql.unsafe(`set auto_explain.log_nested_statements = on`);
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
