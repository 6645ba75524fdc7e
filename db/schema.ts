import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** Every accepted webhook, verbatim. The primary key makes a repeated event id a no-op. */
export const cartEvents = pgTable(
  'cart_events',
  {
    shopId: text('shop_id').notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    cartId: text('cart_id').notNull(),
    payload: jsonb('payload').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set once the event reached its workflow; a retry of an unprocessed event delivers it again. */
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (table) => [
    primaryKey({ columns: [table.shopId, table.eventId] }),
    index('cart_events_cart_idx').on(table.shopId, table.cartId),
  ],
);

export const customers = pgTable(
  'customers',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    shopId: text('shop_id').notNull(),
    externalId: text('external_id'),
    email: text('email').notNull(),
    name: text('name'),
    locale: text('locale').notNull().default('en'),
    timeZone: text('time_zone').notNull().default('UTC'),
    b2b: boolean('b2b').notNull().default(false),
    marketingConsent: boolean('marketing_consent').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('customers_shop_email_idx').on(table.shopId, table.email)],
);

export const cartStatuses = ['open', 'purchased'] as const;
export type CartStatus = (typeof cartStatuses)[number];

/** The latest snapshot of each cart, and whether it was bought. */
export const carts = pgTable(
  'carts',
  {
    shopId: text('shop_id').notNull(),
    cartId: text('cart_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).references(() => customers.id),
    status: text('status', { enum: cartStatuses }).notNull().default('open'),
    currency: text('currency'),
    total: numeric('total', { precision: 16, scale: 4 }),
    snapshot: jsonb('snapshot'),
    snapshotUpdatedAt: timestamp('snapshot_updated_at', { withTimezone: true }),
    orderId: text('order_id'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.shopId, table.cartId] }),
    check('carts_status_check', sql`${table.status} in ('open', 'purchased')`),
  ],
);

export const messageStatuses = ['sending', 'sent', 'skipped', 'failed'] as const;
export const messageKinds = ['marketing', 'internal'] as const;
export type MessageStatus = (typeof messageStatuses)[number];

/** One row per send. The unique key is written before SMTP so a retried activity never sends twice. */
export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    key: text('key').notNull(),
    shopId: text('shop_id').notNull(),
    cartId: text('cart_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).references(() => customers.id),
    step: text('step').notNull(),
    templateId: text('template_id').notNull(),
    templateVersion: text('template_version').notNull(),
    /** Campaign, version and segment the chain entered with: what analysts group by. */
    campaignId: text('campaign_id'),
    campaignVersion: integer('campaign_version'),
    /** `marketing` counts towards frequency caps and needs consent; `internal` goes to shop staff. */
    kind: text('kind', { enum: messageKinds }).notNull().default('marketing'),
    recipientRole: text('recipient_role', { enum: ['customer', 'manager'] })
      .notNull()
      .default('customer'),
    segment: text('segment'),
    status: text('status', { enum: messageStatuses }).notNull(),
    /** The Message-ID header, derived from `key`, so a resend in the crash window is recognisable. */
    messageIdHeader: text('message_id_header').notNull(),
    smtpResponse: text('smtp_response'),
    reason: text('reason'),
    createdAt: createdAt(),
    /** When the current attempt claimed the send; a 'sending' row is taken over only once it is stale. */
    claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('messages_key_idx').on(table.key),
    index('messages_cart_idx').on(table.shopId, table.cartId),
    check('messages_status_check', sql`${table.status} in ('sending', 'sent', 'skipped', 'failed')`),
  ],
);

export const chainStatuses = ['active', 'finished'] as const;

/**
 * One row per campaign chain a customer entered: enforces one active cart chain per customer
 * (a newer cart supersedes the older chain) and the re-entry cooldown after a chain ends.
 */
export const chains = pgTable(
  'chains',
  {
    workflowId: text('workflow_id').primaryKey(),
    shopId: text('shop_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).references(() => customers.id),
    cartId: text('cart_id'),
    trigger: text('trigger').notNull(),
    campaignId: text('campaign_id').notNull(),
    campaignVersion: integer('campaign_version').notNull(),
    segment: text('segment').notNull(),
    status: text('status', { enum: chainStatuses }).notNull().default('active'),
    outcome: text('outcome'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [index('chains_customer_idx').on(table.shopId, table.customerId, table.trigger, table.status)],
);

export const discountCodeStatuses = ['active', 'used', 'disabled'] as const;

/** One single-use code per cart step; `key` makes creation idempotent across activity retries. */
export const discountCodes = pgTable(
  'discount_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    key: text('key').notNull(),
    shopId: text('shop_id').notNull(),
    code: text('code').notNull(),
    cartId: text('cart_id'),
    customerId: bigint('customer_id', { mode: 'number' }).references(() => customers.id),
    type: text('type', { enum: ['percent', 'fixed', 'free_shipping'] }).notNull(),
    value: numeric('value', { precision: 12, scale: 4 }).notNull(),
    currency: text('currency'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    status: text('status', { enum: discountCodeStatuses }).notNull().default('active'),
    /** Where the code lives: the shop's API (`shop_api`) or cartflow's own generator (`builtin`). */
    source: text('source', { enum: ['shop_api', 'builtin'] }).notNull(),
    externalId: text('external_id'),
    createdAt: createdAt(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('discount_codes_key_idx').on(table.key),
    uniqueIndex('discount_codes_code_idx').on(table.shopId, table.code),
  ],
);

/** Addresses that must get no marketing email: unsubscribed, bounced or complained. */
export const suppressions = pgTable(
  'suppressions',
  {
    shopId: text('shop_id').notNull(),
    email: text('email').notNull(),
    reason: text('reason', { enum: ['unsubscribed', 'hard_bounce', 'soft_bounce', 'complaint', 'manual'] }).notNull(),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.shopId, table.email] })],
);
