import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { ActivityDeps } from '../activities';
import { type ShopDiscountApi, createShopDiscountApi } from '../activities/discounts/shop-api';
import { createShopifyDiscountApi } from '../activities/discounts/shopify-discounts';
import { DEFAULT_CAMPAIGNS_DIR, loadCampaigns } from '../campaigns/load';
import { type Campaign, newestVersions } from '../domain/campaign';
import { type Config, ConfigError } from '../config/env';
import { type Database, configuredDatabase, openDatabase } from '../db/client';
import { createYoungTableStatistics, postgresTables, STEP_TABLES } from '../db/young-table-statistics';
import { createSmtpMailer } from '../mail/mailer';
import { recordDeliveryEvent, smtpRejectionType, softBounceRule } from '../app/bounces';
import { campaignTemplateChecker } from './campaign-templates';
import { templatesDir } from './templates-dir';
import { loadDkimSettings } from './dkim-config';
import { createTemplateRenderer } from '../mail/template-renderer';
import { createShopProfiles } from './shop-profiles';
import type { LinkSettings } from '../tracking/message-links';

export { templatesDir } from './templates-dir';

export interface Services {
  database: Database;
  activityDeps: ActivityDeps;
  close(): Promise<void>;
}

/**
 * The configured database (DATABASE_URL, else the embedded PGlite database in DATA_DIR), with
 * every migration applied. `serve`: share the embedded one on EMBEDDED_DB_PORT (`npm start`).
 */
export async function openMigratedDatabase(config: Config, options: { serve?: boolean } = {}): Promise<Database> {
  const database = await openDatabase(configuredDatabase(config, options));
  await database.migrate();
  return database;
}

/** Opens (and migrates) the database and builds the mail dependencies from config. */
export async function openServices(
  config: Config,
  logger: Logger,
  overrides: { smtpUrl?: string; trackingSecret?: string; serveEmbeddedDatabase?: boolean } = {},
): Promise<Services> {
  const database = await openMigratedDatabase(config, { serve: overrides.serveEmbeddedDatabase });
  logger.info({ database: database.description }, 'database ready');
  const smtpUrl = overrides.smtpUrl ?? config.SMTP_URL;
  if (!smtpUrl) throw new ConfigError('SMTP_URL is not set');
  const dkim = await loadDkimSettings(config, { logger, fromDomain: senderDomain(config.MAIL_FROM) });
  const mailer = createSmtpMailer({ url: smtpUrl, from: config.MAIL_FROM, dkim });
  const trackingSecret = overrides.trackingSecret ?? config.TRACKING_SECRET;
  if (!trackingSecret) throw new ConfigError('TRACKING_SECRET is not set');
  const stepTables = createYoungTableStatistics({
    tables: postgresTables(database.db, STEP_TABLES),
    name: STEP_TABLES.name,
    logger,
  });
  return {
    database,
    activityDeps: {
      db: database.db,
      stepTables,
      mailer,
      templates: createTemplateRenderer({ dir: templatesDir }),
      messageIdDomain: senderDomain(config.MAIL_FROM),
      links: linkSettings(config, trackingSecret),
      postalAddress: config.SHOP_POSTAL_ADDRESS,
      shopApi: discountSource(config, logger),
      // The other shops of the `shops` table: their From, postal address and discount source.
      shops: createShopProfiles({ db: database.db, config, logger }),
      defaultManagerEmail: config.SALES_MANAGER_EMAIL,
      outboundWebhookSecret: config.OUTBOUND_WEBHOOK_SECRET,
      // A 5xx at SMTP time is a hard bounce; the chain learns of it from the failed step itself.
      onPermanentFailure: async ({ shopId, email, messageId, error }) => {
        await recordDeliveryEvent(
          { db: database.db, softBounces: softBounceRule(config) },
          {
            shopId,
            email,
            type: smtpRejectionType(error.response),
            source: 'smtp',
            providerEventId: messageId,
            messageId,
            detail: error.response ?? error.message,
            occurredAt: new Date(),
          },
        );
      },
      consentPolicy: config.CONSENT_POLICY,
      consentGraceMs: config.CONSENT_GRACE,
    },
    async close() {
      mailer.close();
      await stepTables.idle();
      await database.close();
    },
  };
}

/**
 * Where incentive codes are made: Shopify's Admin API (SHOPIFY_ADMIN_TOKEN), the shop's own
 * discount API (SHOP_API_URL), or neither: cartflow's own codes, redeemed through /checkout.
 */
export function discountSource(config: Config, logger: Logger): ShopDiscountApi | undefined {
  if (config.SHOPIFY_ADMIN_TOKEN && config.SHOPIFY_SHOP_DOMAIN) {
    return createShopifyDiscountApi({
      shopDomain: config.SHOPIFY_SHOP_DOMAIN,
      accessToken: config.SHOPIFY_ADMIN_TOKEN,
      apiVersion: config.SHOPIFY_API_VERSION,
      timeoutMs: config.SHOPIFY_API_TIMEOUT,
      onDeactivateRefused: ({ externalId, errors }) =>
        logger.warn({ externalId, errors }, 'Shopify refused to deactivate a code; it ends at its expiry'),
    });
  }
  if (config.SHOP_API_URL && config.SHOP_API_TOKEN) {
    return createShopDiscountApi({
      baseUrl: config.SHOP_API_URL,
      token: config.SHOP_API_TOKEN,
      timeoutMs: config.SHOP_API_TIMEOUT,
    });
  }
  return undefined;
}

/** Where tracked links, pixels and unsubscribe links point; the HTTP server verifies them with the same secret. */
export function linkSettings(config: Config, trackingSecret: string): LinkSettings {
  return {
    secret: trackingSecret,
    baseUrl: config.PUBLIC_BASE_URL,
    trackOpens: config.TRACK_OPENS,
    trackClicks: config.TRACK_CLICKS,
    linkTtlMs: config.TRACKING_LINK_TTL,
    unsubscribeTtlMs: config.UNSUBSCRIBE_LINK_TTL,
    unsubscribeMailto: unsubscribeAddress(config),
    ...(config.BOUNCE_ADDRESS ? { bounceAddress: config.BOUNCE_ADDRESS } : {}),
  };
}

/** UNSUBSCRIBE_MAILTO, or unsubscribe@<MAIL_FROM domain>: the mailto of List-Unsubscribe. */
export function unsubscribeAddress(config: Pick<Config, 'UNSUBSCRIBE_MAILTO' | 'MAIL_FROM'>): string {
  return config.UNSUBSCRIBE_MAILTO ?? `unsubscribe@${senderDomain(config.MAIL_FROM)}`;
}

/** "Shop <shop@mail.example.com>" → "mail.example.com". */
export function senderDomain(from: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return match?.[1] ?? 'localhost';
}

/** The newest version of each campaign, in the order audiences are tried. Throws on a bad file. */
export async function loadActiveCampaigns(config: Config): Promise<Campaign[]> {
  return (await loadCampaignFiles(config)).active;
}

/**
 * The campaign files: `active`, the newest version of each (checked against the templates), and
 * `all` versions, which reports need to judge chains that entered an older version.
 */
export async function loadCampaignFiles(config: Config): Promise<{ active: Campaign[]; all: Campaign[] }> {
  return loadCampaignDir(config.CAMPAIGNS_DIR ?? DEFAULT_CAMPAIGNS_DIR);
}

/** The campaign files of one folder (CAMPAIGNS_DIR, or a shop's own), checked as at start. */
export async function loadCampaignDir(dir: string): Promise<{ active: Campaign[]; all: Campaign[] }> {
  const all = await loadCampaigns(dir, { checkNewest: campaignTemplateChecker(templatesDir) });
  return { active: newestVersions(all), all };
}
