import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  date,
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
import { unusualAddressSpelling } from './address-match';

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
    /** SHA-256 of the validated event: the same event id with another body is a conflict, not a retry. */
    payloadHash: text('payload_hash'),
  },
  (table) => [
    primaryKey({ columns: [table.shopId, table.eventId] }),
    index('cart_events_cart_idx').on(table.shopId, table.cartId),
    // An unsubscribe, a bounce or an erasure finds the person's journeys through the events that
    // started them (db/person-workflow-store.ts). Without these two it read every stored webhook:
    // a second of PostgreSQL per one-click unsubscribe once a shop has a million events.
    index('cart_events_address_idx')
      .on(table.shopId, sql`lower(${addressOf(table.payload)})`)
      .where(personEvent(table.type)),
    index('cart_events_unusual_address_idx')
      .on(table.shopId)
      .where(sql`${personEvent(table.type)} and ${unusualAddressSpelling(addressOf(table.payload))}`),
  ],
);

/** The customer address a stored webhook names (its `data.customer.email`), as the shop wrote it. */
export function addressOf(payload: SQLWrapper): SQL {
  return sql`(${payload} #>> '{data,customer,email}')`;
}

/**
 * The events that start a person's journeys (customer.created, order.placed), with the types
 * written into the text: an index with this predicate serves only a query that states it so.
 */
export function personEvent(type: SQLWrapper): SQL {
  return sql`${type} in ('customer.created', 'order.placed')`;
}

/**
 * The transactional outbox: one row per stored event that must still reach Temporal, written in
 * the same transaction as the event. The relay (server/outbox-relay.ts) delivers each cart's rows
 * oldest first; a delivered row is kept until OUTBOX_RETENTION has passed, for diagnosis.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    shopId: text('shop_id').notNull(),
    eventId: text('event_id').notNull(),
    /** The ordering key: a cart's events reach its workflow in the order they were stored. */
    cartId: text('cart_id').notNull(),
    /** The validated event, as the relay hands it to Temporal. */
    event: jsonb('event').notNull(),
    createdAt: createdAt(),
    /** Not before this time: the next retry after a failure, or the end of a relay's claim. */
    availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('outbox_event_idx').on(table.shopId, table.eventId),
    // The claim's "no earlier undelivered event of this cart" probe. Not partial: a partial index's
    // size is what the last ANALYZE saw, and after a quiet spell (every event delivered) that is
    // nothing, so PostgreSQL judged any scan of it free and probed by scanning every waiting row.
    index('outbox_cart_idx').on(table.shopId, table.cartId, table.id),
    // The relay's claim walks undelivered rows in id order and stops at its batch: without this
    // index it read every undelivered row (and checked each for an earlier one) ten times a second
    // while a burst's backlog waited, so the backlog's size became Postgres CPU per webhook.
    index('outbox_due_idx')
      .on(table.id)
      .where(sql`${table.deliveredAt} is null`),
    index('outbox_delivered_idx').on(table.deliveredAt),
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
    /**
     * When the shop made the statement `marketing_consent` holds (the event's own time): webhooks
     * arrive out of order, and an older statement must not undo a newer one (migration 0018).
     */
    marketingConsentAt: timestamp('marketing_consent_at', { withTimezone: true }),
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
    // A person's carts: still waiting for abandonment when they unsubscribe or are erased, and
    // their data in an export (db/person-workflow-store.ts, db/person-store.ts).
    index('carts_customer_idx').on(table.shopId, table.customerId),
  ],
);

/**
 * `unconfirmed`: the step was not (re)sent for `reason`, but an earlier attempt had claimed the send
 * and died, so its email may have gone out (docs/exactly-once.md): never counted as skipped.
 */
export const messageStatuses = ['sending', 'sent', 'skipped', 'failed', 'unconfirmed'] as const;
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
    /** The address the email went to (personal data: erased by `privacy erase`). */
    recipient: text('recipient'),
    step: text('step').notNull(),
    templateId: text('template_id').notNull(),
    templateVersion: text('template_version').notNull(),
    /**
     * The template language and subject line this email was rendered with. subject_variant counts
     * from 0 (line 1 of subject.hbs is 0); people read it + 1, as campaign files' subjectLine.
     */
    locale: text('locale'),
    subjectVariant: integer('subject_variant'),
    /** The original URLs of the email's tracked links, in order: a click token names an index here. */
    links: jsonb('links').$type<string[]>(),
    /** Campaign, version and segment the chain entered with: what analysts group by. */
    campaignId: text('campaign_id'),
    campaignVersion: integer('campaign_version'),
    /** `marketing` counts towards frequency caps and needs consent; `internal` goes to shop staff. */
    kind: text('kind', { enum: messageKinds }).notNull().default('marketing'),
    recipientRole: text('recipient_role', { enum: ['customer', 'manager'] })
      .notNull()
      .default('customer'),
    segment: text('segment'),
    /** The chain that sent it (joins a message to its `chains` row and experiment arms). */
    workflowId: text('workflow_id'),
    /** The step's experiment arm (a variant id, `subject-N` for subject-line tests, `holdout`), if any. */
    variant: text('variant'),
    /** The cart's currency: attributed revenue is summed in it. */
    currency: text('currency'),
    /** The campaign's attribution rule when it was sent: orders this long after a human touch count. */
    attributionWindowSeconds: integer('attribution_window_seconds'),
    attributionTouch: text('attribution_touch', { enum: ['click', 'open'] }),
    status: text('status', { enum: messageStatuses }).notNull(),
    /** The Message-ID header, derived from `key`, so a resend in the crash window is recognisable. */
    messageIdHeader: text('message_id_header').notNull(),
    smtpResponse: text('smtp_response'),
    reason: text('reason'),
    createdAt: createdAt(),
    /** When the current attempt claimed the send; a 'sending' row is taken over only once it is stale. */
    claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * An attempt died holding the claim (its claim was taken over without being released), so its
     * SMTP traffic may have got through: a send not made after that is `unconfirmed` (migration 0016).
     */
    diedMidSend: boolean('died_mid_send').notNull().default(false),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    // Engagement and outcome counters, kept by database triggers (migration 0006) so reports never
    // scan tracking events: see docs/reports.md.
    humanOpens: integer('human_opens').notNull().default(0),
    machineOpens: integer('machine_opens').notNull().default(0),
    humanClicks: integer('human_clicks').notNull().default(0),
    machineClicks: integer('machine_clicks').notNull().default(0),
    firstHumanOpenAt: timestamp('first_human_open_at', { withTimezone: true }),
    firstHumanClickAt: timestamp('first_human_click_at', { withTimezone: true }),
    bouncedAt: timestamp('bounced_at', { withTimezone: true }),
    complainedAt: timestamp('complained_at', { withTimezone: true }),
    unsubscribedAt: timestamp('unsubscribed_at', { withTimezone: true }),
    attributedOrders: integer('attributed_orders').notNull().default(0),
    /** Attributed orders in the message's currency, in minor units (cents). */
    attributedRevenueMinor: bigint('attributed_revenue_minor', { mode: 'number' }).notNull().default(0),
    /** Attributed orders for the very cart the message was about. */
    recoveredCarts: integer('recovered_carts').notNull().default(0),
  },
  (table) => [
    uniqueIndex('messages_key_idx').on(table.key),
    index('messages_cart_idx').on(table.shopId, table.cartId),
    index('messages_customer_sent_idx').on(table.shopId, table.customerId, table.sentAt),
    index('messages_workflow_idx').on(table.workflowId),
    // Bounces, complaints and DSNs name the email by its Message-ID (db/delivery-event-store.ts):
    // without this each one read every message ever sent.
    index('messages_message_id_header_idx').on(table.messageIdHeader),
    check('messages_status_check', sql`${table.status} in ('sending', 'sent', 'skipped', 'failed', 'unconfirmed')`),
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
    /** `holdout` (gets no email), `treated`, or null when the campaign has no holdout. */
    arm: text('arm', { enum: ['holdout', 'treated'] }),
    /** Step id → variant id, for the steps with variants: every entrant's arms, emailed or not. */
    variants: jsonb('variants').$type<Record<string, string>>().notNull().default({}),
    /** The cart's currency: the chain's revenue is summed in it. */
    currency: text('currency'),
    /** Orders until then count as the chain's conversions: its steps plus the attribution window. */
    conversionUntil: timestamp('conversion_until', { withTimezone: true }),
    // Kept by a trigger on orders (migration 0006).
    orders: integer('orders').notNull().default(0),
    revenueMinor: bigint('revenue_minor', { mode: 'number' }).notNull().default(0),
    recoveredCart: boolean('recovered_cart').notNull().default(false),
    // Kept by a trigger on messages: did a person open or click any of the chain's emails?
    humanOpened: boolean('human_opened').notNull().default(false),
    humanClicked: boolean('human_clicked').notNull().default(false),
  },
  (table) => [
    index('chains_customer_idx').on(table.shopId, table.customerId, table.trigger, table.status),
    index('chains_campaign_idx').on(table.campaignId, table.startedAt),
  ],
);

/**
 * Orders from `order.placed` (and later every order-carrying webhook). Money in integer minor
 * units with its currency. Attribution is decided once, when the order is stored.
 */
export const orders = pgTable(
  'orders',
  {
    shopId: text('shop_id').notNull(),
    orderId: text('order_id').notNull(),
    /** The order as the shop and its customer name it ("#1001"); `order_id` is the key (migration 0020). */
    orderName: text('order_name'),
    customerId: bigint('customer_id', { mode: 'number' }).references(() => customers.id),
    cartId: text('cart_id'),
    placedAt: timestamp('placed_at', { withTimezone: true }).notNull(),
    currency: text('currency').notNull(),
    totalMinor: bigint('total_minor', { mode: 'number' }).notNull(),
    discountCodes: jsonb('discount_codes').$type<string[]>().notNull().default([]),
    items: jsonb('items'),
    /** The webhook event that brought it. */
    eventId: text('event_id'),
    /** Last touch: the latest message with a human click (or open) within its window before the order. */
    attributedMessageId: uuid('attributed_message_id').references(() => messages.id),
    attributionTouch: text('attribution_touch', { enum: ['click', 'open'] }),
    attributedTouchAt: timestamp('attributed_touch_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.shopId, table.orderId] }),
    index('orders_customer_idx').on(table.shopId, table.customerId, table.placedAt),
    index('orders_cart_idx').on(table.shopId, table.cartId),
    index('orders_message_idx').on(table.attributedMessageId),
  ],
);

/** An unsubscribe or category opt-out made through an email's link; no address, so erasure keeps it. */
export const unsubscribeEvents = pgTable(
  'unsubscribe_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    shopId: text('shop_id').notNull(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id),
    /** `all` marketing, or one `category`. */
    scope: text('scope', { enum: ['all', 'category'] }).notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('unsubscribe_events_message_idx').on(table.messageId)],
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
    /** The order that redeemed it (checkout API or order webhook): a repeated redeem by it is a no-op. */
    usedByOrderId: text('used_by_order_id'),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('discount_codes_key_idx').on(table.key),
    uniqueIndex('discount_codes_code_idx').on(table.shopId, table.code),
    // A reminder step reads its cart's newest code (db/step-facts.ts) and an ended chain disables
    // the cart's codes: without it both scanned every code the shop ever issued.
    index('discount_codes_cart_idx').on(table.shopId, table.cartId, table.createdAt),
  ],
);

export const suppressionReasons = ['unsubscribed', 'hard_bounce', 'soft_bounce', 'complaint', 'manual'] as const;
export type SuppressionReason = (typeof suppressionReasons)[number];

/** Addresses that must get no marketing email: unsubscribed, bounced or complained. */
export const suppressions = pgTable(
  'suppressions',
  {
    shopId: text('shop_id').notNull(),
    email: text('email').notNull(),
    reason: text('reason', { enum: suppressionReasons }).notNull(),
    /** Where it came from: one_click, preferences, sendgrid, delivery_webhook, smtp, cli… */
    source: text('source'),
    /** e.g. the bounce's SMTP diagnostic; never personal data beyond the address itself. */
    detail: text('detail'),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.shopId, table.email] })],
);

/** "Just this kind of email": an address that opted out of one category (cart reminders, welcome…). */
export const categoryOptOuts = pgTable(
  'category_opt_outs',
  {
    shopId: text('shop_id').notNull(),
    email: text('email').notNull(),
    category: text('category').notNull(),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.shopId, table.email, table.category] })],
);

export const deliveryEventTypes = ['hard_bounce', 'soft_bounce', 'complaint'] as const;
export type DeliveryEventType = (typeof deliveryEventTypes)[number];

/** Bounces and complaints, from an email provider's webhook, the generic webhook or SMTP itself. */
export const deliveryEvents = pgTable(
  'delivery_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    shopId: text('shop_id').notNull(),
    email: text('email').notNull(),
    type: text('type', { enum: deliveryEventTypes }).notNull(),
    /** The message it is about, when the provider's event names our Message-ID. */
    messageId: uuid('message_id').references(() => messages.id),
    source: text('source').notNull(),
    /** The provider's own event id: a redelivered webhook is stored once. */
    providerEventId: text('provider_event_id'),
    detail: text('detail'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('delivery_events_email_idx').on(table.shopId, table.email, table.occurredAt),
    // Per shop: two shops' backends may number their generic delivery events alike.
    uniqueIndex('delivery_events_provider_idx').on(table.shopId, table.source, table.providerEventId),
  ],
);

export const trackingEventTypes = ['open', 'click'] as const;

/** Opens and clicks from the pixel and tracked links; no raw IP is kept, only a truncated prefix. */
export const trackingEvents = pgTable(
  'tracking_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    shopId: text('shop_id').notNull(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id),
    type: text('type', { enum: trackingEventTypes }).notNull(),
    /** Index into `messages.links` for a click. */
    linkIndex: integer('link_index'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    userAgent: text('user_agent'),
    /** IPv4 /24 or IPv6 /48 network, e.g. `203.0.113.0/24`. */
    ipPrefix: text('ip_prefix'),
    machine: boolean('machine').notNull(),
    /** Why it was judged a machine (apple_privacy_proxy, too_soon_after_delivery, …), null for humans. */
    machineReason: text('machine_reason'),
  },
  (table) => [index('tracking_events_message_idx').on(table.messageId, table.type)],
);

const rollupCount = (name: string) => integer(name).notNull().default(0);
const rollupMoney = (name: string) => bigint(name, { mode: 'number' }).notNull().default(0);

/**
 * Daily funnel counters per campaign × version × step × segment × variant × currency, kept by a
 * trigger on `messages` (migration 0006). Read through the `campaign_step_daily` view.
 * Key columns are never null ('' for none) so every message lands in exactly one row.
 */
export const stepDailyRollup = pgTable(
  'analytics_step_daily',
  {
    shopId: text('shop_id').notNull(),
    campaignId: text('campaign_id').notNull(),
    campaignVersion: integer('campaign_version').notNull(),
    step: text('step').notNull(),
    segment: text('segment').notNull(),
    variant: text('variant').notNull(),
    currency: text('currency').notNull(),
    day: date('day').notNull(),
    reached: rollupCount('reached'),
    sent: rollupCount('sent'),
    skipped: rollupCount('skipped'),
    failed: rollupCount('failed'),
    bounced: rollupCount('bounced'),
    complained: rollupCount('complained'),
    unsubscribed: rollupCount('unsubscribed'),
    humanOpened: rollupCount('human_opened'),
    machineOpens: rollupCount('machine_opens'),
    humanClicked: rollupCount('human_clicked'),
    machineClicks: rollupCount('machine_clicks'),
    attributedOrders: rollupCount('attributed_orders'),
    attributedRevenueMinor: rollupMoney('attributed_revenue_minor'),
    recoveredCarts: rollupCount('recovered_carts'),
    /** Not re-sent, but an earlier attempt that died may have delivered it (migration 0016). */
    unconfirmed: rollupCount('unconfirmed'),
    /** Of `bounced`, those of unconfirmed messages: `delivered` counts confirmed sends only. */
    unconfirmedBounced: rollupCount('unconfirmed_bounced'),
  },
  (table) => [
    primaryKey({
      columns: [
        table.shopId,
        table.campaignId,
        table.campaignVersion,
        table.step,
        table.segment,
        table.variant,
        table.currency,
        table.day,
      ],
    }),
  ],
);

/**
 * Daily experiment counters per campaign × version × experiment × arm × currency, kept by a
 * trigger on `chains`. An experiment is `holdout` (arms holdout/treated) or a step id (arms are
 * its variants). Every entrant counts, emailed or not. Read through the `experiment_arms_daily` view.
 */
export const armDailyRollup = pgTable(
  'analytics_arm_daily',
  {
    shopId: text('shop_id').notNull(),
    campaignId: text('campaign_id').notNull(),
    campaignVersion: integer('campaign_version').notNull(),
    segment: text('segment').notNull(),
    experiment: text('experiment').notNull(),
    arm: text('arm').notNull(),
    currency: text('currency').notNull(),
    day: date('day').notNull(),
    entered: rollupCount('entered'),
    converted: rollupCount('converted'),
    orders: rollupCount('orders'),
    revenueMinor: rollupMoney('revenue_minor'),
    /** Σ (revenue per entrant)², for the variance of revenue per recipient. */
    revenueSquaresMinor: numeric('revenue_squares_minor', { precision: 40, scale: 0 }).notNull().default('0'),
    recoveredCarts: rollupCount('recovered_carts'),
    humanClicked: rollupCount('human_clicked'),
    humanOpened: rollupCount('human_opened'),
  },
  (table) => [
    primaryKey({
      columns: [
        table.shopId,
        table.campaignId,
        table.campaignVersion,
        table.segment,
        table.experiment,
        table.arm,
        table.currency,
        table.day,
      ],
    }),
  ],
);

export const shopPlatforms = ['generic', 'shopify'] as const;
export type ShopPlatform = (typeof shopPlatforms)[number];

/**
 * Shops served by this install besides the default one (SHOP_ID and its environment variables),
 * managed with `cartflow shops`. Every other table is already keyed by shop id. Secrets are stored
 * as given (the database is the trust boundary, as the environment is for the default shop).
 */
export const shops = pgTable(
  'shops',
  {
    id: text('id').primaryKey(),
    platform: text('platform', { enum: shopPlatforms }).notNull(),
    /** The shop's myshopify.com domain: routes X-Shopify-Shop-Domain to this shop. */
    shopifyDomain: text('shopify_domain'),
    /** Verifies the shop's webhooks (Cartflow-Signature, or Shopify's HMAC with the app's client secret). */
    webhookSecret: text('webhook_secret').notNull(),
    /** The secret before the last rotation: still accepted until the next one. */
    webhookSecretPrevious: text('webhook_secret_previous'),
    secretRotatedAt: timestamp('secret_rotated_at', { withTimezone: true }),
    fromName: text('from_name'),
    fromAddress: text('from_address'),
    replyTo: text('reply_to'),
    /** One address, or one per language (`{"default":"…","ru":"…"}`), as SHOP_POSTAL_ADDRESS. */
    postalAddress: jsonb('postal_address'),
    defaultLocale: text('default_locale'),
    /** ISO 4217 codes the shop sells in; null: any. */
    currencies: jsonb('currencies').$type<string[]>(),
    /** Where incentive codes are made: `{"kind":"builtin"}`, `shop_api` or `shopify` (db/shop-store.ts). */
    discountSource: jsonb('discount_source').notNull().default({ kind: 'builtin' }),
    campaignsDir: text('campaigns_dir'),
    /**
     * The shop's own DKIM signing domain (A-labels), selector and PEM private key, so its mail is
     * DMARC-aligned with its own From domain; all null: the install's DKIM_* sign it.
     */
    dkimDomain: text('dkim_domain'),
    dkimSelector: text('dkim_selector'),
    dkimPrivateKey: text('dkim_private_key'),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('shops_shopify_domain_idx').on(table.shopifyDomain),
    check('shops_platform_check', sql`${table.platform} in ('generic', 'shopify')`),
    // All or nothing: a selector without its key would sign nothing, or sign with the wrong one.
    check(
      'shops_dkim_check',
      sql`(${table.dkimDomain} is null) = (${table.dkimSelector} is null) and (${table.dkimSelector} is null) = (${table.dkimPrivateKey} is null)`,
    ),
  ],
);
