import path from 'node:path';
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import ms from 'ms';
import { z } from 'zod';
import { EmailAddress } from '../domain/email-address';
import { LocalizedText } from '../domain/localized-text';

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

/** A token bucket per client network: `rate` requests a second on average, `burst` at once. */
export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

/**
 * Per client network. Shops post webhooks from a few addresses, in bursts after a sale: generous.
 * Opens and clicks come from people (or one office's network, or a provider's image proxy): a
 * page of links clicked at once fits in the burst. Unsubscribe is a person (or a mailbox
 * provider's one-click POST): a handful a second is plenty, and 429 tells a provider to retry.
 */
export const DEFAULT_RATE_LIMITS = {
  webhooks: { ratePerSecond: 50, burst: 200 },
  tracking: { ratePerSecond: 20, burst: 100 },
  unsubscribe: { ratePerSecond: 5, burst: 20 },
} as const satisfies Record<string, RateLimit>;

// `50/s,200`: 50 a second, bursts of 200; `off` disables the limit.
const rateLimit = (fallback: RateLimit) =>
  z
    .string()
    .default(`${fallback.ratePerSecond}/s,${fallback.burst}`)
    .transform((value, ctx): RateLimit | 'off' => {
      if (value.trim() === 'off') return 'off';
      const match = /^\s*(\d+(?:\.\d+)?)\/s\s*,\s*(\d+)\s*$/.exec(value);
      const ratePerSecond = Number(match?.[1]);
      const burst = Number(match?.[2]);
      if (!match || ratePerSecond <= 0 || burst < 1) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a rate limit (use e.g. 20/s,100 or off)` });
        return z.NEVER;
      }
      return { ratePerSecond, burst };
    });

// `50/s`: while events arrive faster than this, the relay delivers at this rate; `off` never yields.
// 50/s: on 2 cores with the Temporal dev server beside it (~5 ms of CPU per workflow start) 100/s
// cost the webhooks their p99 goal (BENCHMARKS.md, webhook intake).
const relayYield = z
  .string()
  .default('50/s')
  .transform((value, ctx): { busyRate: number } | 'off' => {
    if (value.trim() === 'off') return 'off';
    const match = /^\s*(\d+(?:\.\d+)?)\/s\s*$/.exec(value);
    const busyRate = Number(match?.[1]);
    if (!match || busyRate <= 0) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a rate (use e.g. 100/s or off)` });
      return z.NEVER;
    }
    return { busyRate };
  });

const boolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .optional()
    .transform((value) => (value === undefined ? fallback : ['true', '1', 'yes'].includes(value)));

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

/**
 * Decimal digits within [min, max], read as a number. z.coerce.number() would answer "abc" with
 * zod's "Invalid input: expected number, received NaN" and read an empty value as 0.
 */
const wholeNumber = (min: number, max: number, what: string) => {
  // Shown with what was given: these are numbers, never secrets.
  const error = (issue: { input?: unknown }) =>
    `must be ${what}, not ${JSON.stringify(String(issue.input).slice(0, 40))}`;
  return z
    .string()
    .trim()
    .regex(/^\d+$/, { error })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error });
};

/** A whole number from `min` with a default, as an optional variable: empty is unset, as everywhere here. */
const wholeNumberOr = (fallback: number, min: number, max: number, what: string) =>
  optionalText.pipe(wholeNumber(min, max, what).default(fallback));

const optionalPort = optionalText.pipe(
  z
    .string()
    .regex(/^\d+$/, 'must be a port number (1-65535)')
    .transform(Number)
    .refine((port) => port >= 1 && port <= 65535, 'must be a port number (1-65535)')
    .optional(),
);

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
  EMBEDDED_DB_PORT: wholeNumberOr(5433, 0, 65535, 'a port number (0-65535)'),
  SMTP_URL: optionalText.pipe(
    z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional(),
  ),
  OUTBOX_DIR: z.string().default('outbox'),
  MAIL_FROM: z.string().min(3).default('Cartflow Shop <shop@localhost>'),
  WEBHOOK_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  WEBHOOK_MAX_BYTES: wholeNumberOr(256 * 1024, 1, Number.MAX_SAFE_INTEGER, 'a number of bytes (at least 1)'),
  WEBHOOK_TOLERANCE: duration('5m'),
  /** Where tracked links and unsubscribe pages point; default: this machine's PORT. */
  PUBLIC_BASE_URL: optionalText.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
  HOST: z.string().default('127.0.0.1'),
  PORT: wholeNumberOr(3000, 0, 65535, 'a port number (0-65535)'),
  /**
   * How long a stopping process waits for in-flight HTTP requests and activities after SIGTERM
   * before it cancels them (docker-compose's stop_grace_period must be longer).
   */
  SHUTDOWN_GRACE: duration('30s'),
  /** How often the outbox relay looks for events other processes stored, or due for a retry. */
  OUTBOX_POLL: duration('1s'),
  /**
   * `off`: the HTTP server only stores webhooks and a separate `cartflow relay` process delivers
   * them to Temporal, so delivery's CPU never slows intake. Default `on` (a relay in each server).
   */
  OUTBOX_RELAY: z.enum(['on', 'off']).default('on'),
  /**
   * While webhooks arrive faster than this (all servers together), the outbox relay delivers at
   * this rate and leaves the CPU to intake; it catches up once they slow down (docs/durable-intake.md).
   */
  OUTBOX_BUSY_RATE: relayYield,
  /**
   * The relay stops yielding while its oldest undelivered event has waited this long: a burst is
   * absorbed, intake that stays busy longer gets delivery at full speed (docs/durable-intake.md).
   */
  OUTBOX_YIELD_MAX_LAG: duration('1m'),
  /** `cartflow relay` lowers its own CPU priority by this much (Unix nice, 0–19): intake comes first on a shared box. */
  OUTBOX_RELAY_NICE: wholeNumberOr(10, 0, 19, '0 to 19'),
  /** Delivered outbox rows are deleted after this long (the events stay in cart_events). */
  OUTBOX_RETENTION: duration('7d'),
  /** `npm run worker` serves /healthz and /readyz on this port when set; unset: no port. */
  WORKER_HEALTH_PORT: optionalPort,
  /** Per client network (/24 or /48) and route group: `<requests>/s,<burst>` or `off`. */
  RATE_LIMIT_WEBHOOKS: rateLimit(DEFAULT_RATE_LIMITS.webhooks),
  RATE_LIMIT_TRACKING: rateLimit(DEFAULT_RATE_LIMITS.tracking),
  RATE_LIMIT_UNSUBSCRIBE: rateLimit(DEFAULT_RATE_LIMITS.unsubscribe),
  SHOP_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only (max 64)')
    .default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('cartflow'),
  TEMPORAL_UI_PORT: wholeNumberOr(8233, 1, 65535, 'a port number (1-65535)'),
  TEMPORAL_START_TIMEOUT: duration('60s'),
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
  INBOUND_SMTP_PORT: optionalText.pipe(wholeNumber(0, 65535, 'a port number (0-65535)').optional()),
  /** Where the inbound listener binds; 127.0.0.1 behind a port forward or MTA, 0.0.0.0 to face the internet. */
  INBOUND_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  /** Largest inbound message accepted (a DSN usually carries the original email); larger ones get 552. */
  INBOUND_SMTP_MAX_BYTES: wholeNumberOr(
    1024 * 1024,
    16 * 1024,
    Number.MAX_SAFE_INTEGER,
    'a number of bytes (at least 16384)',
  ),
  /**
   * The sender's postal address in every marketing email (CAN-SPAM); overrides templates/shop.json's.
   * One address, or JSON with one per language: `{"default":"…","ru":"…"}` (as in shop.json).
   */
  SHOP_POSTAL_ADDRESS: optionalText.transform((value, ctx): LocalizedText | undefined => {
    if (value === undefined || !value.trim().startsWith('{')) return value;
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      json = undefined;
    }
    const parsed = LocalizedText.safeParse(json);
    if (parsed.success) return parsed.data;
    ctx.addIssue({
      code: 'custom',
      message: 'starts with "{" but is not a JSON object of addresses by language like {"default":"…","ru":"…"}',
    });
    return z.NEVER;
  }),
  /** `opt_in`: marketing only with consent. `existing_customers`: also to buyers who ordered before (soft opt-in). */
  CONSENT_POLICY: z.enum(['opt_in', 'existing_customers']).default('opt_in'),
  /**
   * How long after a chain starts a step without consent waits for it: Shopify reports a sign-up's
   * consent in a webhook of its own that may come after customers/create. 0 turns it off.
   */
  CONSENT_GRACE: duration('5m'),
  SOFT_BOUNCE_LIMIT: wholeNumberOr(3, 1, Number.MAX_SAFE_INTEGER, 'a whole number of at least 1'),
  SOFT_BOUNCE_WINDOW: duration('7d'),
  /** SendGrid's Event Webhook verification key (Settings → Mail Settings → Signed Event Webhook). */
  SENDGRID_WEBHOOK_PUBLIC_KEY: optionalText,
  // Shopify (see README "Connect your shop → Shopify").
  /** The app's client secret (Partner Dashboard or the shop's custom app): verifies X-Shopify-Hmac-Sha256. Set, it enables POST /webhooks/shopify. */
  /**
   * Shopify's own webhooks are bigger than cartflow's events: a 180-line order with its tax lines,
   * discounts and money bags is over 256 KB, and Shopify caps a checkout at 500 lines.
   */
  SHOPIFY_WEBHOOK_MAX_BYTES: wholeNumberOr(
    4 * 1024 * 1024,
    1,
    Number.MAX_SAFE_INTEGER,
    'a number of bytes (at least 1)',
  ),
  SHOPIFY_CLIENT_SECRET: optionalText,
  /** The secret before a rotation: still accepted until Shopify signs everything with the new one. */
  SHOPIFY_CLIENT_SECRET_PREVIOUS: optionalText,
  /** The shop's myshopify.com domain; set, webhooks from any other shop are refused. */
  SHOPIFY_SHOP_DOMAIN: optionalText.pipe(
    z
      .string()
      .transform((value) => value.trim().toLowerCase())
      .pipe(z.string().regex(/^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)+$/, 'must be a domain such as my-shop.myshopify.com'))
      .optional(),
  ),
  /** Where welcome emails send new customers; default https://<SHOPIFY_SHOP_DOMAIN or the webhook's shop>/. */
  SHOPIFY_STORE_URL: optionalText.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
  /** The currencies the shop sells in, comma-separated (EUR,USD); set, a checkout or order in another is refused. */
  SHOPIFY_CURRENCIES: optionalText.pipe(
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((code) => code.trim().toUpperCase())
          .filter(Boolean),
      )
      .pipe(
        z.array(z.string().regex(/^[A-Z]{3}$/, 'must be ISO 4217 codes separated by commas, such as EUR,USD')).min(1),
      )
      .optional(),
  ),
  /**
   * Admin API access token (shpat_…) with the write_discounts scope. Set (with SHOPIFY_SHOP_DOMAIN),
   * incentive steps create their codes in Shopify instead of SHOP_API_URL or cartflow's own codes.
   */
  SHOPIFY_ADMIN_TOKEN: optionalText,
  /** The Admin GraphQL API version the discount calls use (Shopify's quarterly YYYY-MM). */
  SHOPIFY_API_VERSION: z
    .string()
    .regex(/^(\d{4}-(01|04|07|10)|unstable)$/, 'must be a Shopify API version such as 2025-10')
    .default('2025-10'),
  /** How long one Admin API call may take before it counts as failed (and is retried). */
  SHOPIFY_API_TIMEOUT: duration('10s'),
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
  /**
   * The codec endpoint `npm run temporal` hands the Temporal CLI; default this machine's server
   * (http://127.0.0.1:PORT/codec). The CLI reads it under this name too.
   */
  TEMPORAL_CODEC_ENDPOINT: optionalText.pipe(
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  ),
  /** The Temporal UI origin allowed to call the codec endpoint. */
  CODEC_CORS_ORIGIN: optionalText.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
  // Metrics (README "Temporal CLI, UI and metrics"; dashboard in docs/grafana/cartflow.json).
  /** GET /metrics on the HTTP server (`npm start`, `npm run server`). */
  METRICS: boolean(true),
  /** When set, GET /metrics on the HTTP server needs `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: optionalText.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  /** Interface of the metrics ports below; 0.0.0.0 in containers so Prometheus can reach them. */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** This process's metrics on a port of their own (the only way for `npm run worker`); unset: off. */
  METRICS_PORT: optionalPort,
  /** The Temporal SDK's own metrics (Rust core, Prometheus format) on this port; unset: off. */
  TEMPORAL_METRICS_PORT: optionalPort,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Rules across variables, checked once each variable is valid on its own. */
const CheckedEnvSchema = EnvSchema.refine(
  (env) => !env.CHECKOUT_API_TOKEN || env.CHECKOUT_API_TOKEN !== env.ADMIN_TOKEN,
  { path: ['CHECKOUT_API_TOKEN'], message: 'must differ from ADMIN_TOKEN (the checkout must not hold the admin key)' },
)
  .refine((env) => !env.SHOPIFY_ADMIN_TOKEN || env.SHOPIFY_SHOP_DOMAIN, {
    path: ['SHOPIFY_SHOP_DOMAIN'],
    message: 'is required with SHOPIFY_ADMIN_TOKEN (the Admin API is called at https://<domain>/admin/api/…)',
  })
  .refine((env) => !env.SHOPIFY_ADMIN_TOKEN || !env.SHOP_API_URL, {
    path: ['SHOPIFY_ADMIN_TOKEN'],
    message: 'and SHOP_API_URL both choose where discount codes are made; set only one',
  });

export type Env = z.infer<typeof EnvSchema>;

/** What @temporalio/envconfig reads (TEMPORAL_GRPC_META_<header> aside): Temporal's own names, not in EnvSchema. */
const TEMPORAL_ENVCONFIG_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_CODEC_AUTH',
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_PROFILE',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
];

/** Every variable a cartflow process reads. */
export const KNOWN_VARIABLES: ReadonlySet<string> = new Set([
  ...Object.keys(EnvSchema.shape),
  ...TEMPORAL_ENVCONFIG_VARIABLES,
]);

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

/**
 * The environment for a child process (the Temporal CLI): this process's own, with `defaults` for
 * the variables it leaves unset.
 */
export function childEnvironment(defaults: Record<string, string | undefined>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [name, value] of Object.entries(defaults)) {
    if (value !== undefined && (env[name] === undefined || env[name] === '')) env[name] = value;
  }
  return env;
}

/**
 * LOG_LEVEL=debug asks for stack traces of fatal errors. Read on its own, without loadConfig(),
 * because the error being reported may be the configuration itself failing to load.
 */
export function stackTracesWanted(env: Record<string, string | undefined> = process.env): boolean {
  return env.LOG_LEVEL === 'debug';
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

/** The folders of PATH, where a tool such as Debian's spamassassin is looked up. */
export function executableSearchPath(env: Record<string, string | undefined> = process.env): string[] {
  return (env.PATH ?? '').split(path.delimiter).filter(Boolean);
}
