import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/env';

describe('config', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.temporal.address).toBeUndefined();
    expect(config.ABANDON_AFTER).toBe(60 * 60 * 1000);
    expect(config.WEBHOOK_TOLERANCE).toBe(5 * 60 * 1000);
  });

  it('reads Temporal connection settings through envconfig', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_NAMESPACE: 'shop' });
    expect(config.temporal).toMatchObject({ address: 'temporal.internal:7233', namespace: 'shop' });
  });

  it('fails fast naming each bad variable and what is wrong with it', () => {
    const attempt = () =>
      loadConfig({ DATABASE_URL: 'mysql://x', ABANDON_AFTER: 'soon', WEBHOOK_SECRET: 'short', PORT: 'http' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DATABASE_URL: must be a postgres:\/\//);
    expect(attempt).toThrow(/ABANDON_AFTER: "soon" is not a duration/);
    expect(attempt).toThrow(/WEBHOOK_SECRET: must be at least 16 characters/);
    expect(attempt).toThrow(/PORT: /);
  });

  it('says which numbers a numeric variable takes and what it was given, not zod\'s "received NaN"', () => {
    const attempt = () =>
      loadConfig({ PORT: 'http', EMBEDDED_DB_PORT: '70000', WEBHOOK_MAX_BYTES: '1mb', SOFT_BOUNCE_LIMIT: '2.5' });
    expect(attempt).toThrow(/PORT: must be a port number \(0-65535\), not "http"\n/);
    expect(attempt).toThrow(/EMBEDDED_DB_PORT: must be a port number \(0-65535\), not "70000"/);
    expect(attempt).toThrow(/WEBHOOK_MAX_BYTES: must be a number of bytes \(at least 1\), not "1mb"/);
    expect(attempt).toThrow(/SOFT_BOUNCE_LIMIT: must be a whole number of at least 1, not "2.5"/);
    expect(attempt).not.toThrow(/NaN|Invalid input/);
    // Empty is unset, as for every other variable (z.coerce read it as port 0: any free port).
    expect(loadConfig({ PORT: '', EMBEDDED_DB_PORT: ' 5544 ' })).toMatchObject({ PORT: 3000, EMBEDDED_DB_PORT: 5544 });
  });

  it('reads how the outbox relay yields to intake, and names a bad value', () => {
    expect(loadConfig({})).toMatchObject({
      OUTBOX_BUSY_RATE: { busyRate: 50 },
      OUTBOX_RELAY_NICE: 10,
      OUTBOX_YIELD_MAX_LAG: 60_000,
    });
    expect(loadConfig({ OUTBOX_YIELD_MAX_LAG: '15s' }).OUTBOX_YIELD_MAX_LAG).toBe(15_000);
    expect(loadConfig({ OUTBOX_BUSY_RATE: '250/s', OUTBOX_RELAY_NICE: '0' })).toMatchObject({
      OUTBOX_BUSY_RATE: { busyRate: 250 },
      OUTBOX_RELAY_NICE: 0,
    });
    expect(loadConfig({ OUTBOX_BUSY_RATE: 'off' }).OUTBOX_BUSY_RATE).toBe('off');
    const attempt = () => loadConfig({ OUTBOX_BUSY_RATE: 'fast', OUTBOX_RELAY_NICE: '20' });
    expect(attempt).toThrow(/OUTBOX_BUSY_RATE: "fast" is not a rate \(use e\.g\. 100\/s or off\)/);
    expect(attempt).toThrow(/OUTBOX_RELAY_NICE: must be 0 to 19/);
  });

  it('never puts a secret value into its error message', () => {
    expect(() => loadConfig({ WEBHOOK_SECRET: 'tiny-secret', PORT: 'x' })).not.toThrow(/tiny-secret/);
  });

  it('refuses a CHECKOUT_API_TOKEN equal to ADMIN_TOKEN, without echoing it', () => {
    const token = 'same-token-for-both-0123456789';
    const attempt = () => loadConfig({ ADMIN_TOKEN: token, CHECKOUT_API_TOKEN: token });
    expect(attempt).toThrow(/CHECKOUT_API_TOKEN: must differ from ADMIN_TOKEN/);
    expect(attempt).not.toThrow(new RegExp(token));
    expect(loadConfig({ CHECKOUT_API_TOKEN: `checkout-${token}` }).CHECKOUT_API_TOKEN).toBe(`checkout-${token}`);
  });

  it('Shopify discounts need the shop domain, exclude SHOP_API_URL, and never echo the token', () => {
    const token = 'shpat_0123456789abcdef';
    expect(() => loadConfig({ SHOPIFY_ADMIN_TOKEN: token })).toThrow(
      /SHOPIFY_SHOP_DOMAIN: is required with SHOPIFY_ADMIN_TOKEN/,
    );
    const both = () =>
      loadConfig({
        SHOPIFY_ADMIN_TOKEN: token,
        SHOPIFY_SHOP_DOMAIN: 'my-shop.myshopify.com',
        SHOP_API_URL: 'https://shop.example.com/api',
      });
    expect(both).toThrow(/SHOPIFY_ADMIN_TOKEN: and SHOP_API_URL both choose where discount codes are made/);
    expect(both).not.toThrow(new RegExp(token));
    expect(() => loadConfig({ SHOPIFY_API_VERSION: '2025-11' })).toThrow(
      /SHOPIFY_API_VERSION: must be a Shopify API version/,
    );
    const config = loadConfig({ SHOPIFY_ADMIN_TOKEN: token, SHOPIFY_SHOP_DOMAIN: 'My-Shop.myshopify.com' });
    expect(config).toMatchObject({ SHOPIFY_API_VERSION: '2025-10', SHOPIFY_SHOP_DOMAIN: 'my-shop.myshopify.com' });
  });

  it('points links at the port it listens on unless PUBLIC_BASE_URL says otherwise', () => {
    expect(loadConfig({ PORT: '3901' }).PUBLIC_BASE_URL).toBe('http://localhost:3901');
    expect(loadConfig({}).PUBLIC_BASE_URL).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '3901', PUBLIC_BASE_URL: 'https://shop.example.com/cf' }).PUBLIC_BASE_URL).toBe(
      'https://shop.example.com/cf',
    );
  });

  it('reads SHOP_POSTAL_ADDRESS as one address or as JSON with one per language', () => {
    expect(loadConfig({ SHOP_POSTAL_ADDRESS: "O'Brien & Co, 1 Main St" }).SHOP_POSTAL_ADDRESS).toBe(
      "O'Brien & Co, 1 Main St",
    );
    expect(
      loadConfig({ SHOP_POSTAL_ADDRESS: '{"default":"1 Main St, Dublin","ru":"Мейн-стрит, 1, Дублин"}' })
        .SHOP_POSTAL_ADDRESS,
    ).toEqual({ default: '1 Main St, Dublin', ru: 'Мейн-стрит, 1, Дублин' });
    expect(() => loadConfig({ SHOP_POSTAL_ADDRESS: '{"ru":"Москва"' })).toThrow(
      /SHOP_POSTAL_ADDRESS: starts with "\{" but is not a JSON object/,
    );
    expect(() => loadConfig({ SHOP_POSTAL_ADDRESS: '{"ru":"Москва"}' })).toThrow(/SHOP_POSTAL_ADDRESS/);
  });
});
