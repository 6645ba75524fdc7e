import { z } from 'zod';
import { EmailAddress } from '../domain/email-address';
import {
  Cart,
  CartItem,
  CartUpdatedEvent,
  ConsentUpdate,
  Customer,
  CustomerConsentUpdatedEvent,
  CustomerCreatedEvent,
  Money,
  NewCustomer,
  Order,
  OrderPlacedEvent,
  WebhookEvent,
} from '../domain/events';
import { SIGNATURE_MESSAGES } from './signed-request';

/**
 * The webhook contract (`POST /webhooks/cart`) as OpenAPI 3.1 and JSON Schema, generated from the
 * zod schemas the server validates with (domain/events.ts), so the document cannot drift from
 * what the server accepts. Served at `GET /webhooks/openapi.json`; `npm run webhooks:contract`
 * writes client/openapi.json and client/cart-event.schema.json, which a unit test keeps current.
 */

type Meta = { id: string; description: string };

/** The named schemas, in the order a reader meets them. */
const NAMED: Array<[z.ZodType, Meta]> = [
  // Named CartEvent, as before the consent change joined it: clients refer to it by that name.
  [
    WebhookEvent,
    {
      id: 'CartEvent',
      description:
        'One webhook body: a cart.updated, order.placed, customer.created or customer.consent_updated event.',
    },
  ],
  [
    CartUpdatedEvent,
    {
      id: 'CartUpdatedEvent',
      description: 'The cart changed: starts or updates its abandoned-cart chain. `id` is the event id (dedupe key).',
    },
  ],
  [OrderPlacedEvent, { id: 'OrderPlacedEvent', description: "An order: ends the cart's chain, feeds attribution." }],
  [CustomerCreatedEvent, { id: 'CustomerCreatedEvent', description: 'A new customer: starts the welcome series.' }],
  [
    CustomerConsentUpdatedEvent,
    {
      id: 'CustomerConsentUpdatedEvent',
      description:
        'The customer opted in to or out of marketing email outside any cart (account settings, a newsletter form). ' +
        'Applied at once and answered 200: a withdrawal stops their running chains, a grant releases a welcome email ' +
        'waiting for it. Dated by data.updatedAt (else occurredAt, else arrival): an older change never undoes a newer one.',
    },
  ],
  [Cart, { id: 'Cart', description: 'The whole cart as it is now (a snapshot, not a diff).' }],
  [CartItem, { id: 'CartItem', description: 'One cart line.' }],
  [Customer, { id: 'Customer', description: 'The buyer. Without marketingConsent no marketing email is sent.' }],
  [
    Order,
    { id: 'Order', description: 'A placed order; with customer and items it also starts post-purchase journeys.' },
  ],
  [NewCustomer, { id: 'NewCustomer', description: 'A newly registered customer.' }],
  [ConsentUpdate, { id: 'ConsentUpdate', description: "A customer's new email marketing consent." }],
  [
    Money,
    {
      id: 'Money',
      description:
        'A non-negative decimal amount: a string ("19.90", kept exactly) or a JSON number; up to 12 digits and 4 decimals, ' +
        'and in a cart no more decimals than its currency has (JPY 0, EUR 2, KWD 3; trailing zeros are fine: ' +
        '"100.00" JPY), otherwise a 400 names the field. An order is never refused for it (it stops the chain): its ' +
        "revenue is rounded to the currency's minor unit.",
    },
  ],
];

const MONEY_PATTERN = '^\\d{1,12}(\\.\\d{1,4})?$';
/** The largest amount Money takes (12 digits, 4 decimals), for the JSON-number form. */
const MONEY_MAXIMUM = 999_999_999_999.9999;
/** What httpUrl() takes: zod's `format: "uri"` alone says nothing of the scheme (ftp:, mailto:). */
const HTTP_URL_PATTERN = '^[Hh][Tt][Tt][Pp][Ss]?://';
/** Text the server trims before counting (ids, skus, codes): spaces alone are not 1 character. */
const NOT_BLANK_PATTERN = '\\S';

/** What zod cannot say in JSON Schema (its transforms), said by hand. */
function override({ zodSchema, jsonSchema }: { zodSchema: unknown; jsonSchema: Record<string, unknown> }) {
  const meta = NAMED.find(([schema]) => schema === zodSchema)?.[1];
  if (meta) jsonSchema.description = meta.description;
  if (zodSchema === WebhookEvent) jsonSchema.discriminator = { propertyName: 'type' };
  if (zodSchema === Money) {
    delete jsonSchema.type;
    jsonSchema.anyOf = [
      { type: 'string', pattern: MONEY_PATTERN },
      { type: 'number', minimum: 0, maximum: MONEY_MAXIMUM },
    ];
  }
  if (jsonSchema.type === 'string' && jsonSchema.format === 'uri') jsonSchema.pattern = HTTP_URL_PATTERN;
  if (isTrimmedText(zodSchema) && typeof jsonSchema.minLength === 'number' && jsonSchema.minLength > 0) {
    jsonSchema.pattern = NOT_BLANK_PATTERN;
  }
  if (zodSchema === EmailAddress) {
    // No `format`: validators' "email" refuses IDN addresses cartflow accepts, and few know "idn-email".
    Object.assign(jsonSchema, {
      maxLength: 320,
      description: 'Any RFC 5321 address, IDN domains and non-ASCII local parts included.',
    });
  }
}

/** A string schema with `.trim()` (zod's "overwrite" check): its length counts after trimming. */
function isTrimmedText(zodSchema: unknown): boolean {
  if (!(zodSchema instanceof z.ZodString)) return false;
  return (zodSchema.def.checks ?? []).some((check) => check._zod.def.check === 'overwrite');
}

function registry() {
  const named = z.registry<Meta>();
  for (const [schema, meta] of NAMED) named.add(schema, meta);
  return named;
}

const generate = (uri: (id: string) => string) =>
  z.toJSONSchema(registry(), {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    uri,
    override,
  }).schemas;

/** The named schemas as OpenAPI components (the document's dialect is 2020-12, so no `$schema` each). */
export function webhookSchemas(): Record<string, Record<string, unknown>> {
  const schemas = generate((id) => `#/components/schemas/${id}`);
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema as Record<string, unknown>;
      return [id, rest];
    }),
  );
}

/** One self-contained JSON Schema of a webhook body, for validators outside OpenAPI. */
export function cartEventJsonSchema(): Record<string, unknown> {
  const components = webhookSchemas();
  // `discriminator` is OpenAPI's keyword, not JSON Schema's: strict validators (ajv) refuse it.
  const { CartEvent: withDiscriminator, ...defs } = components;
  const { discriminator: _openApiOnly, ...root } = withDiscriminator ?? {};
  const rewritten = JSON.parse(JSON.stringify({ root, defs }).replaceAll('#/components/schemas/', '#/$defs/')) as {
    root: Record<string, unknown>;
    defs: Record<string, unknown>;
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'cartflow webhook event',
    ...rewritten.root,
    $defs: rewritten.defs,
  };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });

const responseSchemas = {
  Accepted: {
    type: 'object',
    required: ['status', 'eventId'],
    properties: {
      status: {
        enum: ['accepted', 'duplicate', 'ignored', 'consent_given', 'consent_withdrawn', 'unknown_customer'],
        description:
          'customer.consent_updated answers consent_given, consent_withdrawn, unknown_customer (a withdrawal for an ' +
          'address not on file, kept so an older opt-in cannot undo it) or ignored (superseded).',
      },
      eventId: { type: 'string' },
      workflowId: {
        type: 'string',
        description: "The cart's workflow (absent for customer.created and customer.consent_updated).",
      },
      reason: {
        enum: ['cart_purchased', 'superseded'],
        description: 'Why an event was ignored: the cart was bought before it, or a newer consent change is stored.',
      },
      journeys: { type: 'array', items: { type: 'string' }, description: 'Journeys the event started.' },
    },
  },
  Error: {
    type: 'object',
    required: ['error', 'message'],
    properties: {
      error: {
        type: 'string',
        description:
          'A stable code: invalid_json, invalid_payload, invalid_shop, unknown_shop, event_id_conflict, payload_too_large, rate_limited, temporarily_unavailable, or a signature reason.',
      },
      message: { type: 'string', description: 'What to change, in words.' },
      issues: {
        type: 'array',
        description: 'invalid_payload: one entry per bad field.',
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: {
            path: { type: 'string', description: "The field's path, e.g. data.items.0.quantity ('' for the body)." },
            message: { type: 'string' },
          },
        },
      },
    },
  },
};

const signatureWords = Object.entries(SIGNATURE_MESSAGES)
  .map(([reason, message]) => `\`${reason}\`: ${message}`)
  .join('; ');

export function webhookOpenApi() {
  const error = (description: string) => ({ description, content: json(ref('Error')) });
  return {
    openapi: '3.1.0',
    info: {
      title: 'cartflow webhooks',
      version: '1.0.0',
      description:
        'What a shop backend posts to cartflow. Every body is signed (Cartflow-Signature). Send the same event id ' +
        'again after a failure: a repeat of the same event is a `duplicate`, a different event under a used id a 409.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths: {
      '/webhooks/cart': {
        post: {
          operationId: 'postCartEvent',
          summary: 'A cart changed, an order was placed, a customer registered or changed their marketing consent',
          security: [{ cartflowSignature: [] }],
          parameters: [
            {
              name: 'Cartflow-Shop',
              in: 'header',
              required: false,
              description:
                'The shop the event belongs to, when one install serves several (`cartflow shops add`): its secrets ' +
                'verify the signature and its rows and chains hold the event. Absent: the default shop (SHOP_ID, WEBHOOK_SECRET).',
              schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
            },
          ],
          requestBody: { required: true, content: json(ref('CartEvent')) },
          responses: {
            '200': {
              description:
                'A repeat of an event already accepted (`duplicate`), or a customer.consent_updated applied (a repeat of one applies the same state again).',
              content: json(ref('Accepted')),
            },
            '202': { description: 'Accepted (or ignored, with a reason).', content: json(ref('Accepted')) },
            '400': error(
              'Not UTF-8 JSON, a key twice in one object or a string with an unpaired surrogate escape (`invalid_json`, ' +
                'the message names where); a field breaks the contract (`invalid_payload`: `issues` names each); or ' +
                'Cartflow-Shop is not a shop id (`invalid_shop`).',
            ),
            '401': error(`The signature is missing or wrong: ${signatureWords}.`),
            '403': error('Cartflow-Shop names no shop of this install (`unknown_shop`); nothing was stored.'),
            '409': error(
              'The event id was already used for a different event (`event_id_conflict`). A retry of the same event is a 200 `duplicate`, also serialized again: keys in another order, amounts written another way ("39.8", 39.8, "39.80"), a date-time in another offset for the same instant.',
            ),
            '413': error('The body is over WEBHOOK_MAX_BYTES.'),
            '429': error('Too many requests from this network: wait for Retry-After.'),
            '503': error('Stored but not delivered (Temporal unreachable): retry the same event after Retry-After.'),
          },
        },
      },
    },
    components: {
      schemas: { ...webhookSchemas(), ...responseSchemas },
      securitySchemes: {
        cartflowSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Cartflow-Signature',
          description:
            '`t=<unix seconds>,v1=<hex HMAC-SHA256>` where the HMAC is over `<t>.<raw body bytes>` with WEBHOOK_SECRET ' +
            "(or, with Cartflow-Shop, that shop's secret: its current one or, until the next rotation, its previous one). " +
            'The timestamp must be within WEBHOOK_TOLERANCE (5 min) of the server clock; several v1= entries are allowed.',
        },
      },
    },
  };
}
