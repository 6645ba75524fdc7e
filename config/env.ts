import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import ms from 'ms';
import { z } from 'zod';
import { EmailAddress } from '../domain/email-address';

/**
 * The one place that reads the environment. Every entry point calls `loadConfig()` once and
 * passes the result down; nothing else touches `process.env`.
 */

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const parsed = /^\d+$/.test(value) ? Number(value) : ms(value as ms.StringValue);
      if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `"${value}" is not a duration (use e.g. 30m, 1h, 2d or milliseconds)`,
        });
        return z.NEVER;
      }
      return parsed;
    });

const DAY_MS = 24 * 60 * 60 * 1000;

/** RFC 5321 allows 64 characters before the @; `+`, 32 hex of the message id, `-` and 20 hex of MAC take 54. */
export const MAX_BOUNCE_LOCAL_PART = 10;

const boolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .optional()
    .transform((value) => (value === undefined ? fallback : ['true', '1', 'yes'].includes(value)));

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

const EnvSchema = z.object({
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  DATA_DIR: z.string().default('.data'),
  /**
   * Where `npm start` serves the embedded PGlite database (127.0.0.1 only) to CLIs, psql and BI
   * tools; 0 picks any free port. Fixed by default so saved analyst connections keep working.
   */
  EMBEDDED_DB_PORT: z.coerce.number().int().min(0).max(65535).default(5433),
  SMTP_URL: optionalText.pipe(
    z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional(),
  ),
  OUTBOX_DIR: z.string().default('outbox'),
  MAIL_FROM: z.string().min(3).default('Cartflow Shop <shop@localhost>'),
  WEBHOOK_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  WEBHOOK_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  WEBHOOK_TOLERANCE: duration('5m'),
  /** Where tracked links and unsubscribe pages point; default: this machine's PORT. */
  PUBLIC_BASE_URL: optionalText.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  SHOP_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only (max 64)')
    .default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('cartflow'),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  ABANDON_AFTER: duration('1h'),
  CAMPAIGNS_DIR: optionalText,
  SHOP_API_URL: optionalText.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
  SHOP_API_TOKEN: optionalText,
  SHOP_API_TIMEOUT: duration('5s'),
  SALES_MANAGER_EMAIL: optionalText.pipe(EmailAddress.optional()),
  OUTBOUND_WEBHOOK_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  // Tracking, unsubscribe and compliance (see README "Tracking, unsubscribe and privacy").
  /** Signs tracked links, open pixels and unsubscribe links; `npm start` generates one into DATA_DIR. */
  TRACKING_SECRET: optionalText.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  TRACK_OPENS: boolean(true),
  TRACK_CLICKS: boolean(true),
  /** How long tracked links and pixels are honoured after the send. */
  TRACKING_LINK_TTL: duration('365d'),
  /** Behind a reverse proxy: tracking takes the client's network from the first X-Forwarded-For entry. */
  TRUST_PROXY: boolean(false),
  /** How long unsubscribe links work after the send; the law asks for 30 (CAN-SPAM) to 60 days (CASL). */
  UNSUBSCRIBE_LINK_TTL: duration('730d').refine((value) => value >= 60 * DAY_MS, {
    message: 'must be at least 60d (CASL asks unsubscribe links to work for 60 days)',
  }),
  /** The mailto: half of List-Unsubscribe; defaults to unsubscribe@<MAIL_FROM domain>. */
  UNSUBSCRIBE_MAILTO: optionalText.pipe(z.email({ error: 'must be an email address' }).optional()),
  /**
   * The envelope sender (Return-Path) of marketing email, e.g. bounce@bounces.shop.example.com.
   * Set, every marketing send goes out from `<local>+<signed message id>@<domain>` (VERP), so an
   * asynchronous bounce (DSN) names its message; the inbound listener reads them. Unset, the
   * envelope sender stays MAIL_FROM and bounces go wherever they went before.
   */
  BOUNCE_ADDRESS: optionalText.pipe(
    z
      .email({ error: 'must be an email address' })
      .refine((value) => !value.split('@')[0]!.includes('+'), { message: 'must not contain "+" (cartflow adds it)' })
      .refine((value) => value.split('@')[0]!.length <= MAX_BOUNCE_LOCAL_PART, {
        message: `the part before @ must be at most ${MAX_BOUNCE_LOCAL_PART} characters (the signed VERP tag takes the rest of the 64 allowed)`,
      })
      .optional(),
  ),
  /**
   * The inbound SMTP listener for mailto unsubscribes and bounces (see docs/bounces-and-dkim.md).
   * Unset: `npm run server` runs none, `npm start` listens on a free local port (shown at start).
   */
  INBOUND_SMTP_PORT: optionalText.pipe(z.coerce.number<string | undefined>().int().min(0).max(65535).optional()),
  /** Where the inbound listener binds; 127.0.0.1 behind a port forward or MTA, 0.0.0.0 to face the internet. */
  INBOUND_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  /** Largest inbound message accepted (a DSN usually carries the original email); larger ones get 552. */
  INBOUND_SMTP_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(16 * 1024)
    .default(1024 * 1024),
  /** The sender's postal address in every marketing email (CAN-SPAM); overrides templates/shop.json. */
  SHOP_POSTAL_ADDRESS: optionalText,
  /** `opt_in`: marketing only with consent. `existing_customers`: also to buyers who ordered before (soft opt-in). */
  CONSENT_POLICY: z.enum(['opt_in', 'existing_customers']).default('opt_in'),
  SOFT_BOUNCE_LIMIT: z.coerce.number().int().min(1).default(3),
  SOFT_BOUNCE_WINDOW: duration('7d'),
  /** SendGrid's Event Webhook verification key (Settings → Mail Settings → Signed Event Webhook). */
  SENDGRID_WEBHOOK_PUBLIC_KEY: optionalText,
  DKIM_DOMAIN: optionalText,
  DKIM_SELECTOR: optionalText,
  /** PEM text of the DKIM private key, or DKIM_PRIVATE_KEY_FILE with its path. */
  DKIM_PRIVATE_KEY: optionalText,
  DKIM_PRIVATE_KEY_FILE: optionalText,
  /** Bearer token for the privacy API and the payload codec endpoint; unset disables both. */
  ADMIN_TOKEN: optionalText.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  /**
   * Bearer token of the checkout discount API (/checkout/discounts/...), which the shop's checkout
   * calls to validate and redeem built-in codes; unset disables it. Its own token, not ADMIN_TOKEN:
   * the checkout's servers then hold a key to discount codes only, never to personal data.
   */
  CHECKOUT_API_TOKEN: optionalText.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  /**
   * Workflow payload encryption keys, `id:base64-of-32-bytes` separated by commas; the first one
   * encrypts, all decrypt (rotation). `npm start` generates one into DATA_DIR.
   */
  PAYLOAD_KEYS: optionalText,
  /** The Temporal UI origin allowed to call the codec endpoint. */
  CODEC_CORS_ORIGIN: optionalText.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Rules across variables, checked once each variable is valid on its own. */
const CheckedEnvSchema = EnvSchema.refine(
  (env) => !env.CHECKOUT_API_TOKEN || env.CHECKOUT_API_TOKEN !== env.ADMIN_TOKEN,
  { path: ['CHECKOUT_API_TOKEN'], message: 'must differ from ADMIN_TOKEN (the checkout must not hold the admin key)' },
);

export type Env = z.infer<typeof EnvSchema>;

export interface TemporalConfig {
  /** Unset means: start the embedded dev server (only `npm start` does that). */
  address: string | undefined;
  namespace: string;
  connection: NativeConnectionOptions;
}

export interface Config extends Omit<Env, 'PUBLIC_BASE_URL'> {
  PUBLIC_BASE_URL: string;
  temporal: TemporalConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = CheckedEnvSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}\nSee .env.example for every variable.`);
  }
  const parsed = result.data;
  return {
    ...parsed,
    // Links in emails must reach this server: on a laptop that is the port it listens on.
    PUBLIC_BASE_URL: parsed.PUBLIC_BASE_URL ?? `http://localhost:${parsed.PORT}`,
    temporal: loadTemporalConfig(env),
  };
}

function loadTemporalConfig(env: Record<string, string | undefined>): TemporalConfig {
  const definedEnv = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  try {
    // envconfig reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* and
    // TEMPORAL_CONFIG_FILE/TEMPORAL_PROFILE, the same way for self-hosted clusters and Temporal Cloud.
    const profile = loadClientConfigProfile({ overrideEnvVars: definedEnv });
    const { connectionOptions, namespace } = toClientOptions(profile);
    return { address: profile.address, namespace: namespace ?? 'default', connection: connectionOptions };
  } catch (error) {
    throw new ConfigError(`Invalid Temporal configuration (TEMPORAL_*): ${(error as Error).message}`);
  }
}
