import { readFile, readdir } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type * as ClientContract from '../../client/contract';
import { type Cart, type ConsentUpdate, type NewCustomer, type Order, WebhookEvent } from '../../domain/events';
import { createApp } from '../../server/app';
import type { CartWorkflows } from '../../server/cart-workflows';
import { cartEventJsonSchema, webhookOpenApi } from '../../server/webhook-openapi';
import { cartUpdatedEvent, orderPlacedEvent } from '../helpers/cart-events';

/** True only when each type is assignable to the other: tsc (part of the test command) fails on drift. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const typesMatch: [
  Same<z.input<typeof WebhookEvent>, ClientContract.CartEvent>,
  Same<z.input<typeof Cart>, ClientContract.Cart>,
  Same<z.input<typeof Order>, ClientContract.Order>,
  Same<z.input<typeof NewCustomer>, ClientContract.NewCustomer>,
  Same<z.input<typeof ConsentUpdate>, ClientContract.ConsentUpdate>,
] = [true, true, true, true, true];

const committed = async (file: string): Promise<unknown> => JSON.parse(await readFile(`client/${file}`, 'utf8'));

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  return ajv.compile(cartEventJsonSchema());
}

const newCustomer = {
  id: 'evt-new-1',
  type: 'customer.created',
  data: {
    customer: { id: 'c-1', email: 'анна@пример.рф', name: 'Анна' },
    welcomeUrl: 'https://shop.example.com/welcome',
  },
};

const consentWithdrawn = {
  id: 'evt-consent-1',
  type: 'customer.consent_updated',
  data: { customer: { email: "o'brien@пример.рф" }, marketingConsent: false, updatedAt: '2026-12-01T10:00:00+03:00' },
};

describe('the webhook contract (OpenAPI and JSON Schema)', () => {
  it('is committed as generated (run `npm run webhooks:contract` after changing domain/events.ts)', async () => {
    expect(await committed('openapi.json')).toEqual(webhookOpenApi());
    expect(await committed('cart-event.schema.json')).toEqual(cartEventJsonSchema());
  });

  it('is served at GET /webhooks/openapi.json', async () => {
    const app = createApp({
      db: {} as never,
      workflows: {} as CartWorkflows,
      config: { shopId: 's', webhookSecret: 'x'.repeat(16), webhookMaxBytes: 1024, webhookToleranceMs: 1000 },
      logger: pino({ level: 'silent' }),
      readiness: {},
    });
    const response = await app.request('/webhooks/openapi.json');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(await committed('openapi.json'));
  });

  it('accepts what the server accepts and refuses what it refuses', () => {
    const validate = validator();
    const cart = cartUpdatedEvent({ customer: { email: "o'brien@example.com", name: 'Seán O’Brien & Sons' } });
    const samples = [cart, orderPlacedEvent({ cartId: 'c1' }), newCustomer, consentWithdrawn];
    for (const sample of samples) {
      expect(WebhookEvent.safeParse(sample).success).toBe(true);
      expect(validate(sample), JSON.stringify(validate.errors)).toBe(true);
    }
    const broken = [
      { ...cart, type: 'cart.deleted' },
      { ...cart, data: { ...cart.data, total: '-1' } },
      { ...cart, data: { ...cart.data, currency: 'eur' } },
      { ...cart, data: { ...cart.data, items: [{ sku: 'A', name: 'A', quantity: 0, unitPrice: '1' }] } },
      { ...cart, data: { ...cart.data, recoveryUrl: undefined } },
      // Valid by `format: "uri"`, `type: "number"` and `minLength: 1` alone; the server refuses them.
      { ...cart, data: { ...cart.data, recoveryUrl: 'ftp://shop.example.com/cart' } },
      {
        ...orderPlacedEvent({ cartId: 'c1' }),
        data: { ...orderPlacedEvent({ cartId: 'c1' }).data, orderUrl: 'mailto:a@shop.example.com' },
      },
      { ...cart, data: { ...cart.data, total: 1e13 } },
      { ...cart, id: '   ' },
      { ...cart, data: { ...cart.data, items: [{ sku: ' ', name: 'A', quantity: 1, unitPrice: '1' }] } },
      { ...consentWithdrawn, data: { ...consentWithdrawn.data, marketingConsent: 'no' } },
      { ...consentWithdrawn, data: { customer: { email: 'a@example.com' } } },
    ];
    for (const sample of broken) {
      expect(WebhookEvent.safeParse(sample).success).toBe(false);
      expect(validate(sample)).toBe(false);
    }
  });

  it('the example bodies in examples/ (the curl walk-through posts them) are valid events', async () => {
    const validate = validator();
    for (const file of ['cart-updated.json', 'consent-updated.json']) {
      const body: unknown = JSON.parse(await readFile(`examples/${file}`, 'utf8'));
      expect(WebhookEvent.safeParse(body).success, file).toBe(true);
      expect(validate(body), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('client/contract.ts types what the server parses (checked by tsc)', () => {
    expect(typesMatch).toEqual([true, true, true, true, true]);
  });

  it('names every event type the server knows, and the client has a method for each', async () => {
    const document = webhookOpenApi();
    const schemas: Record<string, unknown> = document.components.schemas;
    const union = schemas.CartEvent as { oneOf: Array<{ $ref: string }> };
    expect(union.oneOf.map((entry) => entry.$ref.split('/').pop())).toEqual([
      'CartUpdatedEvent',
      'OrderPlacedEvent',
      'CustomerCreatedEvent',
      'CustomerConsentUpdatedEvent',
    ]);
    const client = await readFile('client/cartflow-client.ts', 'utf8');
    for (const method of ['cartUpdated(', 'orderPlaced(', 'customerCreated(', 'consentUpdated(']) {
      expect(client).toContain(method);
    }
  });
});

describe('client/', () => {
  it('imports nothing but Node built-ins and its own files, as .js (a shop backend copies or compiles it alone)', async () => {
    const files = (await readdir('client')).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const source = await readFile(`client/${file}`, 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((match) => match[1] ?? '');
      for (const target of imports) expect(target, `${file} imports ${target}`).toMatch(/^(node:|\.\/[a-z-]+\.js$)/);
    }
  });
});
