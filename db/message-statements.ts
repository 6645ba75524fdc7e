import { sql } from 'drizzle-orm';
import { preparedStatement } from './client';

// The writes every chain step makes, built once (db/client.ts preparedStatement). Through drizzle's
// query builder each run rebuilt the statement from the table definitions: the claim's 24-column
// insert was the largest share of drizzle in the worker's CPU profile during `bench:chains`
// (BENCHMARKS.md, chain CPU). The text is the builder's statement, the values the same.

/** The values the claim's placeholders take; every column given (the table's defaults where absent). */
export type ClaimValues = {
  id: string | null;
  key: string;
  shopId: string;
  cartId: string;
  customerId: number | null;
  recipient: string | null;
  step: string;
  templateId: string;
  templateVersion: string;
  locale: string | null;
  subjectVariant: number | null;
  /** JSON text of the tracked links (jsonb), or null. */
  links: string | null;
  messageIdHeader: string;
  kind: 'marketing' | 'internal' | null;
  recipientRole: 'customer' | 'manager' | null;
  campaignId: string | null;
  campaignVersion: number | null;
  segment: string | null;
  workflowId: string | null;
  variant: string | null;
  currency: string | null;
  attributionWindowSeconds: number | null;
  attributionTouch: 'click' | 'open' | null;
  reason: string | null;
};

const p = (name: keyof ClaimValues) => sql.placeholder(name);

/** Inserts the send's row as `sending` unless its key exists; returns the id when it inserted. */
export const insertClaim = preparedStatement<ClaimValues>(
  'cartflow_claim_send',
  sql`
    insert into messages (id, key, shop_id, cart_id, customer_id, recipient, step, template_id,
                          template_version, locale, subject_variant, links, message_id_header, kind,
                          recipient_role, campaign_id, campaign_version, segment, workflow_id, variant,
                          currency, attribution_window_seconds, attribution_touch, reason, status)
    values (coalesce(${p('id')}::uuid, gen_random_uuid()), ${p('key')}::text, ${p('shopId')}::text,
            ${p('cartId')}::text, ${p('customerId')}::bigint, ${p('recipient')}::text, ${p('step')}::text,
            ${p('templateId')}::text, ${p('templateVersion')}::text, ${p('locale')}::text,
            ${p('subjectVariant')}::integer, ${p('links')}::jsonb, ${p('messageIdHeader')}::text,
            coalesce(${p('kind')}::text, 'marketing'), coalesce(${p('recipientRole')}::text, 'customer'),
            ${p('campaignId')}::text, ${p('campaignVersion')}::integer, ${p('segment')}::text,
            ${p('workflowId')}::text, ${p('variant')}::text, ${p('currency')}::text,
            ${p('attributionWindowSeconds')}::integer, ${p('attributionTouch')}::text, ${p('reason')}::text,
            'sending')
    on conflict (key) do nothing
    returning id`,
);

/** Marks the send `sent` with the SMTP server's answer. */
export const updateSent = preparedStatement<{ key: string; smtpResponse: string }>(
  'cartflow_record_sent',
  sql`update messages set status = 'sent', smtp_response = ${sql.placeholder('smtpResponse')}::text, sent_at = now()
       where key = ${sql.placeholder('key')}::text`,
);

/** Ends the chain's row once (an ended chain keeps its first outcome). */
export const updateChainEnd = preparedStatement<{ workflowId: string; outcome: string }>(
  'cartflow_chain_end',
  sql`update chains set status = 'finished', outcome = ${sql.placeholder('outcome')}::text, finished_at = now()
       where workflow_id = ${sql.placeholder('workflowId')}::text and status = 'active'`,
);
