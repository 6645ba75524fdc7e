import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/env';
import { ServerVariables, WorkerVariables, requireExternal } from '../../config/require-external';

describe('requireExternal (entry points without embedded defaults)', () => {
  it('names every variable the process still needs, and nothing it does not', () => {
    const attempt = () => requireExternal(loadConfig({ SMTP_URL: 'smtp://mail.internal:25' }), WorkerVariables);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^DATABASE_URL, TEMPORAL_ADDRESS, TRACKING_SECRET must be set when running/);
    expect(() => requireExternal(loadConfig({}), ServerVariables)).toThrow(/WEBHOOK_SECRET/);
    expect(() => requireExternal(loadConfig({}), ServerVariables)).not.toThrow(/SMTP_URL/);
  });

  it('hands back the config with those variables set, TEMPORAL_ADDRESS included', () => {
    const config = requireExternal(
      loadConfig({
        DATABASE_URL: 'postgres://cartflow@db/cartflow',
        TEMPORAL_ADDRESS: 'temporal:7233',
        WEBHOOK_SECRET: 'a-webhook-secret-of-length',
        TRACKING_SECRET: 'a-tracking-secret-of-at-least-32-chars',
      }),
      ServerVariables,
    );
    // Typed as strings by the schema: no cast needed to pass them on.
    const url: string = config.DATABASE_URL;
    expect(url).toBe('postgres://cartflow@db/cartflow');
    expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(config.temporal.address).toBe('temporal:7233');
  });
});
