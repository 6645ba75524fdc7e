/**
 * CPU per webhook body validated by the webhook's own schema (WebhookCartEvent), in this checkout
 * and, with BASE_DIR=<another checkout>, in that one too, alternating, so that both are measured in
 * the same run on the same machine. `node --import tsx bench/webhook-validation.ts`.
 */
import path from 'node:path';
import { benchNumber, benchVariable, machineLine } from './bench-env';

const PARSES = benchNumber('PARSES', 20_000);
const ROUNDS = benchNumber('ROUNDS', 5);

// A cart.updated webhook as bench:intake's shop sends it (its hostile name included).
const body = {
  id: 'evt-1',
  type: 'cart.updated',
  occurredAt: '2026-11-30T12:00:00.000Z',
  data: {
    id: 'cart-1',
    currency: 'EUR',
    total: '52.30',
    updatedAt: '2026-11-30T12:00:00.000Z',
    recoveryUrl: 'https://shop.example/checkout/1',
    customer: {
      id: 'c-1',
      email: 'zoe.obrien@example.com',
      name: "Zoë O'Brien & Søn",
      locale: 'en',
      timeZone: 'Europe/Berlin',
      marketingConsent: true,
    },
    items: [{ sku: 'SKU-1', name: 'Mug', quantity: 2, unitPrice: '26.15' }],
  },
};

type Schema = { safeParse(value: unknown): { success: boolean; error?: unknown } };

async function schemaOf(dir: string): Promise<Schema> {
  const { WebhookCartEvent } = (await import(path.join(dir, 'domain/events.ts'))) as { WebhookCartEvent: Schema };
  const result = WebhookCartEvent.safeParse(body);
  if (!result.success) throw new Error(`${dir}: the sample body was refused: ${JSON.stringify(result.error)}`);
  return WebhookCartEvent;
}

function microsecondsPerParse(schema: Schema): number {
  const start = process.cpuUsage();
  for (let i = 0; i < PARSES; i++) schema.safeParse(body);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / PARSES;
}

const here = path.resolve(import.meta.dirname, '..');
const baseDir = benchVariable('BASE_DIR');
const sides = [{ name: 'this checkout', schema: await schemaOf(here) }];
if (baseDir) sides.push({ name: `BASE_DIR (${baseDir})`, schema: await schemaOf(path.resolve(baseDir)) });
for (const side of sides) microsecondsPerParse(side.schema); // warm-up: JIT and zod's own caches

console.log(
  `# Webhook validation: CPU per WebhookCartEvent.safeParse\n\n${machineLine()}; ${PARSES} parses per round\n`,
);
console.log(`| round | ${sides.map((s) => s.name).join(' | ')} |\n|---|${sides.map(() => '---:').join('|')}|`);
for (let round = 1; round <= ROUNDS; round++) {
  const figures = sides.map((side) => `${microsecondsPerParse(side.schema).toFixed(1)} µs`);
  console.log(`| ${round} | ${figures.join(' | ')} |`);
}
