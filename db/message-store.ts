import { and, eq, lt, sql } from 'drizzle-orm';
import { STALE_CLAIM_MS } from '../domain/activity-timeouts';
import { type Db, rowsOf } from './client';
import { type ClaimValues, insertClaim, updateSent } from './message-statements';
import { messages, type MessageStatus } from './schema';

/** The claim time of a released claim: the next attempt may take it over at once. */
const RELEASED_CLAIM = new Date(0);
/** The row's current claim was not released: its holder (if it is gone) died mid-send. */
const notReleased = sql`${messages.claimedAt} <> ${RELEASED_CLAIM.toISOString()}::timestamptz`;
/** A `sending` row that will not be sent: `unconfirmed` if an attempt died holding its claim, else `skipped`. */
const notSentStatus = sql`case when ${notReleased} or ${messages.diedMidSend} then 'unconfirmed' else 'skipped' end`;

export interface ClaimSendInput {
  /** The row id, derived from the key (tracking/message-links.ts) so links can be signed first. */
  id?: string;
  key: string;
  shopId: string;
  cartId: string;
  customerId: number | null;
  recipient?: string | null;
  step: string;
  templateId: string;
  templateVersion: string;
  locale?: string | null;
  subjectVariant?: number | null;
  links?: string[] | null;
  messageIdHeader: string;
  kind?: 'marketing' | 'internal';
  recipientRole?: 'customer' | 'manager';
  campaignId?: string | null;
  campaignVersion?: number | null;
  segment?: string | null;
  workflowId?: string | null;
  variant?: string | null;
  currency?: string | null;
  attributionWindowSeconds?: number | null;
  attributionTouch?: 'click' | 'open' | null;
  reason?: string;
}

export type ClaimResult =
  /**
   * This attempt owns the send: the first attempt, or one taking over from a previous attempt that
   * died before recording it (`earlierAttemptMayHaveSent`: its SMTP traffic may have got through).
   */
  | { owned: true; earlierAttemptMayHaveSent: boolean }
  /** The send already reached a final state. */
  | { owned: false; status: Exclude<MessageStatus, 'sending'>; reason: string | null }
  /** Another attempt claimed it recently and may still be talking to the SMTP server. */
  | { owned: false; status: 'in_flight'; reason: null };

/**
 * Writes the unique message row before any SMTP traffic: the guard against sending twice.
 * The writes of every send (claim, sent, skipped) run as prepared statements: postgres.js sends
 * drizzle's unprepared queries as Parse + Describe, waits, then Bind + Execute, and Postgres parses
 * and plans each anew; prepared, a connection parses it once and each send is one round trip.
 */
export async function claimSend(db: Db, input: ClaimSendInput): Promise<ClaimResult> {
  const inserted = rowsOf<{ id: string }>(await insertClaim(db, claimValues(input)));
  if (inserted.length > 0) return { owned: true, earlierAttemptMayHaveSent: false };
  // Take over a 'sending' row only when its attempt must be dead; one UPDATE, so two retries can
  // never both win. A released claim (releaseClaim) was given up by an attempt the server certainly
  // did not take the message from; any other attempt died holding it, maybe after a 250.
  const [takenOver] = await db
    .update(messages)
    .set({ claimedAt: sql`now()`, diedMidSend: sql`${messages.diedMidSend} or ${notReleased}` })
    .where(
      and(
        eq(messages.key, input.key),
        eq(messages.status, 'sending'),
        lt(messages.claimedAt, sql`now() - make_interval(secs => ${STALE_CLAIM_MS / 1000})`),
      ),
    )
    .returning({ diedMidSend: messages.diedMidSend });
  if (takenOver) return { owned: true, earlierAttemptMayHaveSent: takenOver.diedMidSend };
  const [existing] = await db
    .select({ status: messages.status, reason: messages.reason })
    .from(messages)
    .where(eq(messages.key, input.key));
  if (!existing || existing.status === 'sending') return { owned: false, status: 'in_flight', reason: null };
  return { owned: false, status: existing.status, reason: existing.reason };
}

/** Every column of the claim, null where the input leaves it out (the statement applies the defaults). */
function claimValues(input: ClaimSendInput): ClaimValues {
  return {
    id: input.id ?? null,
    key: input.key,
    shopId: input.shopId,
    cartId: input.cartId,
    customerId: input.customerId,
    recipient: input.recipient ?? null,
    step: input.step,
    templateId: input.templateId,
    templateVersion: input.templateVersion,
    locale: input.locale ?? null,
    subjectVariant: input.subjectVariant ?? null,
    links: input.links ? JSON.stringify(input.links) : null,
    messageIdHeader: input.messageIdHeader,
    kind: input.kind ?? null,
    recipientRole: input.recipientRole ?? null,
    campaignId: input.campaignId ?? null,
    campaignVersion: input.campaignVersion ?? null,
    segment: input.segment ?? null,
    workflowId: input.workflowId ?? null,
    variant: input.variant ?? null,
    currency: input.currency ?? null,
    attributionWindowSeconds: input.attributionWindowSeconds ?? null,
    attributionTouch: input.attributionTouch ?? null,
    reason: input.reason ?? null,
  };
}

/**
 * What a step that will not send records: `skipped`, or `unconfirmed` when it finds the `sending`
 * row of an earlier attempt that died holding its claim (or of one after such an attempt): the
 * SMTP server may have accepted that attempt's email before it died. Nothing is sent again (the
 * step must not go out any more), and the row says the email may have gone out rather than claim
 * it did not. A `sending` row whose every attempt released its claim (no connection, or a 4xx:
 * the server certainly did not take it) becomes `skipped`.
 * `unchanged`: the row had already ended (sent, failed, or recorded by an earlier attempt of this step).
 */
export type NotSentRecord = 'skipped' | 'unconfirmed' | 'unchanged';

export async function recordNotSent(
  db: Db,
  input: Omit<ClaimSendInput, 'templateVersion' | 'messageIdHeader'> & { reason: string },
): Promise<NotSentRecord> {
  const [row] = await db
    .insert(messages)
    .values({ ...input, templateVersion: '-', messageIdHeader: '-', status: 'skipped' })
    .onConflictDoUpdate({
      target: messages.key,
      set: {
        status: notSentStatus,
        reason: input.reason,
      },
      setWhere: eq(messages.status, 'sending'),
    })
    .returning({ status: messages.status })
    .prepare('cartflow_record_skipped')
    .execute();
  if (row?.status === 'skipped' || row?.status === 'unconfirmed') return row.status;
  return 'unchanged';
}

/**
 * At a chain's end, the `sending` rows it left: a step run as a local activity that died mid-send
 * is not in the history, so when the replay meets an order or a stop first it ends the chain
 * without running that step again. Each such row ends as a step that decided not to send would
 * end it (`recordNotSent`): `unconfirmed` if its attempt died holding the claim (its email may be
 * out), `skipped` if every attempt released it, with the chain's outcome as the reason. A send
 * still under way on a stalled worker turns its row `sent` when it finishes, as `recordSent` does.
 */
export async function resolveLeftClaims(
  db: Db,
  input: { workflowId: string; reason: string },
): Promise<{ unconfirmed: number; skipped: number }> {
  const rows = await db
    .update(messages)
    .set({
      status: notSentStatus,
      reason: input.reason,
    })
    .where(and(eq(messages.workflowId, input.workflowId), eq(messages.status, 'sending')))
    .returning({ status: messages.status });
  return {
    unconfirmed: rows.filter((row) => row.status === 'unconfirmed').length,
    skipped: rows.filter((row) => row.status === 'skipped').length,
  };
}

export async function recordSent(db: Db, input: { key: string; smtpResponse: string }): Promise<void> {
  await updateSent(db, input);
}

export async function recordFailed(db: Db, input: { key: string; reason: string }): Promise<void> {
  await db.update(messages).set({ status: 'failed', reason: input.reason }).where(eq(messages.key, input.key));
}

/**
 * A send this attempt could not make (the server refused it) after taking over from an attempt
 * that may have sent it: `unconfirmed` with the refusal as the reason, not `failed`.
 */
export async function recordUnconfirmed(db: Db, input: { key: string; reason: string }): Promise<void> {
  await db
    .update(messages)
    .set({ status: 'unconfirmed', reason: input.reason })
    .where(and(eq(messages.key, input.key), eq(messages.status, 'sending')));
}

/** The state of one send, if it was attempted before (a retried or re-run step). */
export async function findMessage(
  db: Db,
  key: string,
): Promise<{ status: MessageStatus; reason: string | null } | undefined> {
  const [row] = await db
    .select({ status: messages.status, reason: messages.reason })
    .from(messages)
    .where(eq(messages.key, key));
  return row;
}

/**
 * Lets the next attempt take over a 'sending' row at once, for a failure after which the server
 * certainly does not have the message (no connection, or a 4xx answer): otherwise a retry would
 * wait out STALE_CLAIM_MS before it may send.
 */
export async function releaseClaim(db: Db, key: string): Promise<void> {
  await db
    .update(messages)
    .set({ claimedAt: RELEASED_CLAIM })
    .where(and(eq(messages.key, key), eq(messages.status, 'sending')));
}
