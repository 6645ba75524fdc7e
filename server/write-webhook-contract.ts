import { writeFileSync } from 'node:fs';
import { parseNoArguments } from '../cli/process';
import { cartEventJsonSchema, webhookOpenApi } from './webhook-openapi';

// `npm run webhooks:contract`: regenerates the committed contract after a change to domain/events.ts.
parseNoArguments({
  name: 'cartflow webhooks:contract',
  description: 'regenerate client/openapi.json and client/cart-event.schema.json from domain/events.ts',
});
for (const [file, document] of [
  ['openapi.json', webhookOpenApi()],
  ['cart-event.schema.json', cartEventJsonSchema()],
] as const) {
  const target = new URL(`../client/${file}`, import.meta.url);
  writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
  console.log(`wrote ${target.pathname}`);
}
