import { and, eq } from 'drizzle-orm';
import { emailKey } from '../domain/email-address';
import type { Db } from './client';
import { type SuppressionReason, suppressions } from './schema';

export interface SuppressInput {
  shopId: string;
  email: string;
  reason: SuppressionReason;
  /** one_click, preferences, sendgrid, delivery_webhook, smtp, cli… */
  source: string;
  detail?: string | null;
}

/**
 * Puts an address on the suppression list. The first reason is kept: an address that
 * unsubscribed and later bounces stays "unsubscribed" (both mean: never mail it). Returns
 * whether the address was newly suppressed.
 */
export async function suppress(db: Db, input: SuppressInput): Promise<boolean> {
  const inserted = await db
    .insert(suppressions)
    .values({ ...input, email: emailKey(input.email), detail: input.detail ?? null })
    .onConflictDoNothing()
    .returning({ email: suppressions.email });
  return inserted.length > 0;
}

export async function suppressionFor(
  db: Db,
  input: { shopId: string; email: string },
): Promise<typeof suppressions.$inferSelect | undefined> {
  const [row] = await db
    .select()
    .from(suppressions)
    .where(and(eq(suppressions.shopId, input.shopId), eq(suppressions.email, emailKey(input.email))));
  return row;
}
