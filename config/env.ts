import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import ms from 'ms';
import { z } from 'zod';

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
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('http://localhost:3000'),
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
  SALES_MANAGER_EMAIL: optionalText.pipe(z.email({ error: 'must be an email address' }).optional()),
  OUTBOUND_WEBHOOK_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof EnvSchema>;

export interface TemporalConfig {
  /** Unset means: start the embedded dev server (only `npm start` does that). */
  address: string | undefined;
  namespace: string;
  connection: NativeConnectionOptions;
}

export interface Config extends Env {
  temporal: TemporalConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}\nSee .env.example for every variable.`);
  }
  return { ...result.data, temporal: loadTemporalConfig(env) };
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
