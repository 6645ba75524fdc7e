import { type SQL, sql } from 'drizzle-orm';
import { emailKey } from '../domain/email-address';
import type { ChainEntry } from './chain-store';
import { type Db, executePrepared, rowsOf } from './client';
import type { DiscountCodeRow } from './discount-store';
import type { MessageStatus, SuppressionReason } from './schema';

export interface StepFactsInput {
  shopId: string;
  cartId: string;
  workflowId: string;
  /** The address as the cart carries it: customers rows hold it so, suppressions in canonical form. */
  email: string;
  /** The step's send key (messages.key). */
  key: string;
  trigger: string;
  /** The trigger's email category, for "just this kind of email" opt-outs. */
  category: string;
  /** When the chain was entered: the customer's orders since then end it. */
  enteredAt: Date;
  /** The start of the frequency cap's window. */
  sendsSince: Date;
  /** The first step checks the re-entry cooldown against the customer's other chains. */
  withLastChainEnd: boolean;
  /** An email step without an incentive of its own reminds of the cart's latest code. */
  withLatestCode: boolean;
  /** The first step records its chain in the same statement (see ChainStart). */
  startChain?: ChainStart;
}

/**
 * The chain's row as the first step records it (the customer is the statement's own), written
 * only when the re-entry cooldown lets the customer in: `checkReentry` (domain/frequency.ts) over
 * this statement's `lastOtherChainEnd`, `now` and `reentryCooldown` decides the same, to the
 * millisecond, so a chain the step then skips for the cooldown leaves no row, as before.
 */
export interface ChainStart extends Omit<ChainEntry, 'customerId'> {
  /** The step's clock (ms). */
  now: number;
  /** The campaign's re-entry cooldown (ms). */
  reentryCooldown: number;
}

/** The discount code fields a reminder shows. */
export type LatestCode = Pick<DiscountCodeRow, 'code' | 'type' | 'value' | 'currency' | 'expiresAt' | 'status'>;

/** Everything a chain step reads before it decides, as the database has it now. */
export interface StepFacts {
  customer: { id: number; marketingConsent: boolean } | null;
  /** The state of this step's send, if it was attempted before. */
  messageStatus: MessageStatus | null;
  suppression: SuppressionReason | null;
  /** Opted out of this trigger's category. */
  optedOut: boolean;
  cartPurchased: boolean;
  /** The customer has an order placed after `enteredAt`. */
  orderedSince: boolean;
  /** The customer has any order at all (soft opt-in). */
  boughtBefore: boolean;
  /** This chain's row existed before this statement (its first step recorded the start). */
  chainRecorded: boolean;
  /** This statement recorded the chain's row (`startChain`, a new chain the cooldown lets in). */
  chainStarted: boolean;
  /** Another chain of this customer and trigger started after this one. */
  newerChain: boolean;
  /** When the customer's latest other chain of this trigger ended (ms); null when asked not to look. */
  lastOtherChainEnd: number | null;
  /** When marketing email went to the customer since `sendsSince` (ms, any campaign). */
  recentMarketingSends: number[];
  /** The cart's newest code, whatever its status; null when there is none or it was not asked for. */
  latestCode: LatestCode | null;
}

interface Row {
  customer_id: string | number | null;
  marketing_consent: boolean | null;
  message_status: MessageStatus | null;
  suppression: SuppressionReason | null;
  opted_out: boolean;
  cart_purchased: boolean;
  ordered_since: boolean;
  bought_before: boolean;
  chain_recorded: boolean;
  chain_started: boolean;
  newer_chain: boolean;
  last_chain_end: number | null;
  recent_sends: number[] | string;
  latest_code: RawCode | string | null;
}

interface RawCode {
  code: string;
  type: LatestCode['type'];
  value: string;
  currency: string | null;
  expiresAt: number;
  status: LatestCode['status'];
}

/** Epoch milliseconds as a float8: a JSON number on every driver, truncated like a parsed Date. */
const epochMs = (column: SQL) => sql`floor(extract(epoch from ${column}) * 1000)::float8`;

/**
 * One statement, one round trip, for every fact a chain step re-checks: the customer and their
 * consent, this send's earlier attempt, suppression and category opt-out, orders, newer chains,
 * the re-entry cooldown, recent marketing sends and the cart's discount code. Each part is the
 * query the step used to run on its own, as a subquery. Prepared (db/client.ts executePrepared):
 * one Bind + Execute per step instead of Parse + Describe, a wait, then Bind + Execute; its text
 * varies only with the two `with…` flags and whether it starts the chain, so a connection keeps at most eight of it.
 */
export async function loadStepFacts(db: Db, input: StepFactsInput): Promise<StepFacts> {
  const { shopId, cartId, workflowId } = input;
  const address = emailKey(input.email);
  const others = sql`c.shop_id = ${shopId} and c.customer_id = (select id from cust)
      and c."trigger" = ${input.trigger} and c.workflow_id <> ${workflowId}`;
  const lastChainEnd = input.withLastChainEnd
    ? sql`(select ${epochMs(sql`max(c.finished_at)`)} from chains c where ${others})`
    : sql`null::float8`;
  const latestCode = input.withLatestCode
    ? sql`(select json_build_object('code', d.code, 'type', d.type, 'value', d.value::text,
          'currency', d.currency, 'expiresAt', ${epochMs(sql`d.expires_at`)}, 'status', d.status)
        from discount_codes d where d.shop_id = ${shopId} and d.cart_id = ${cartId}
        order by d.created_at desc limit 1)`
    : sql`null::json`;
  const started = input.startChain ? chainStartSql(input.startChain, others) : sql`select where false`;
  const result = await executePrepared(
    db,
    'cartflow_step_facts',
    sql`
    with cust as (
      select id, marketing_consent from customers where shop_id = ${shopId} and email = ${input.email}
    ), mine as (
      select started_at from chains where workflow_id = ${workflowId}
    ), started as (
      ${started}
    )
    select
      (select id from cust) as customer_id,
      (select marketing_consent from cust) as marketing_consent,
      (select status from messages where key = ${input.key}) as message_status,
      (select reason from suppressions where shop_id = ${shopId} and email = ${address}) as suppression,
      exists (select 1 from category_opt_outs
        where shop_id = ${shopId} and email = ${address} and category = ${input.category}) as opted_out,
      exists (select 1 from carts
        where shop_id = ${shopId} and cart_id = ${cartId} and status = 'purchased') as cart_purchased,
      exists (select 1 from orders where shop_id = ${shopId} and customer_id = (select id from cust)
        and placed_at > ${input.enteredAt.toISOString()}::timestamptz) as ordered_since,
      exists (select 1 from orders
        where shop_id = ${shopId} and customer_id = (select id from cust)) as bought_before,
      exists (select 1 from mine) as chain_recorded,
      exists (select 1 from started) as chain_started,
      exists (select 1 from chains c where ${others}
        and c.started_at > (select started_at from mine)) as newer_chain,
      ${lastChainEnd} as last_chain_end,
      (select coalesce(json_agg(${epochMs(sql`coalesce(m.sent_at, m.claimed_at)`)}), '[]'::json) from messages m
        where m.shop_id = ${shopId} and m.customer_id = (select id from cust)
          and m.status in ('sent', 'unconfirmed') and m.kind = 'marketing'
          and coalesce(m.sent_at, m.claimed_at) > ${input.sendsSince.toISOString()}::timestamptz) as recent_sends,
      ${latestCode} as latest_code
  `,
  );
  const [row] = rowsOf<Row>(result);
  if (!row) throw new Error('step facts: the query returned no row');
  return {
    customer:
      row.customer_id === null
        ? null
        : { id: Number(row.customer_id), marketingConsent: row.marketing_consent === true },
    messageStatus: row.message_status,
    suppression: row.suppression,
    optedOut: row.opted_out,
    cartPurchased: row.cart_purchased,
    orderedSince: row.ordered_since,
    boughtBefore: row.bought_before,
    chainRecorded: row.chain_recorded,
    chainStarted: row.chain_started,
    newerChain: row.newer_chain,
    lastOtherChainEnd: row.last_chain_end,
    recentMarketingSends: parsedJson<number[]>(row.recent_sends),
    latestCode: codeOf(row.latest_code === null ? null : parsedJson<RawCode>(row.latest_code)),
  };
}

/**
 * The chain row's insert, a data-modifying part of the facts statement: the other parts read the
 * snapshot from before it, so `chain_recorded` still says whether the row was there already. It is
 * left out while another chain of the customer (`others`, as for `last_chain_end`) ended within the
 * cooldown, on the same floored milliseconds that `checkReentry` compares.
 */
function chainStartSql(start: ChainStart, others: SQL): SQL {
  const cutoff = start.now - start.reentryCooldown;
  return sql`insert into chains (workflow_id, shop_id, customer_id, cart_id, "trigger", campaign_id,
        campaign_version, segment, arm, variants, currency, conversion_until)
      select ${start.workflowId}::text, ${start.shopId}::text, (select id from cust), ${start.cartId}::text,
        ${start.trigger}::text, ${start.campaignId}::text, ${start.campaignVersion}::integer, ${start.segment}::text,
        ${start.arm ?? null}::text, ${JSON.stringify(start.variants ?? {})}::jsonb, ${start.currency ?? null}::text,
        ${start.conversionUntil?.toISOString() ?? null}::timestamptz
      where not exists (select 1 from chains c where ${others}
        and ${epochMs(sql`c.finished_at`)} > ${cutoff}::float8)
      on conflict do nothing
      returning 1`;
}

/** postgres.js and PGlite parse json columns; a driver that hands over text gets it parsed here. */
function parsedJson<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

function codeOf(raw: RawCode | null): LatestCode | null {
  if (!raw) return null;
  return { ...raw, expiresAt: new Date(raw.expiresAt) };
}
