import { writeFileSync } from 'node:fs';
import { cartEventJsonSchema, webhookOpenApi } from './webhook-openapi';

/** Regenerates the committed contract (client/openapi.json, client/cart-event.schema.json) after a change to domain/events.ts. */
export function writeWebhookContract(): void {
  for (const [file, document] of [
    ['openapi.json', webhookOpenApi()],
    ['cart-event.schema.json', cartEventJsonSchema()],
  ] as const) {
    const target = new URL(`../client/${file}`, import.meta.url);
    writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
    console.log(`wrote ${target.pathname}`);
  }
}
