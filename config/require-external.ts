import { z } from 'zod';
import { type Config, ConfigError } from './env';

/**
 * The variables `npm start` fills with embedded defaults (a PGlite database, a dev Temporal
 * server, a local SMTP sink, generated secrets) and every other entry point needs from the
 * operator. Each process's schema makes its variables strings, so it gets a narrowed config
 * instead of casting.
 */
const set = z.string().min(1);

export const ExternalVariables = z.object({
  DATABASE_URL: set,
  TEMPORAL_ADDRESS: set,
  SMTP_URL: set,
  WEBHOOK_SECRET: set,
  TRACKING_SECRET: set,
});

/** `npm run worker`: sends email, so SMTP; signs links, so TRACKING_SECRET. */
export const WorkerVariables = ExternalVariables.pick({
  DATABASE_URL: true,
  TEMPORAL_ADDRESS: true,
  SMTP_URL: true,
  TRACKING_SECRET: true,
});

/** `cartflow relay`: reads the outbox in PostgreSQL and hands its events to Temporal. */
export const RelayVariables = ExternalVariables.pick({
  DATABASE_URL: true,
  TEMPORAL_ADDRESS: true,
});

/** `npm run server`: verifies webhooks (WEBHOOK_SECRET) and tracked links (TRACKING_SECRET). */
export const ServerVariables = ExternalVariables.pick({
  DATABASE_URL: true,
  TEMPORAL_ADDRESS: true,
  WEBHOOK_SECRET: true,
  TRACKING_SECRET: true,
});

/** The config with `schema`'s variables known to be set (TEMPORAL_ADDRESS is also `temporal.address`). */
export function requireExternal<Schema extends z.ZodObject>(config: Config, schema: Schema): Config & z.output<Schema> {
  const result = schema.safeParse({ ...config, TEMPORAL_ADDRESS: config.temporal.address });
  if (!result.success) {
    const missing = [...new Set(result.error.issues.map((issue) => String(issue.path[0])))];
    throw new ConfigError(
      `${missing.join(', ')} must be set when running this process on its own ` +
        '(only `npm start` provides embedded defaults). See .env.example.',
    );
  }
  return { ...config, ...result.data };
}
