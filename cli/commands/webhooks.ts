import { Command } from 'commander';

export function command(): Command {
  const webhooks = new Command('webhooks').description('the webhook contract for custom shop backends');
  webhooks
    .command('schema')
    .description('regenerate client/openapi.json and client/cart-event.schema.json from domain/events.ts')
    .action(async () => {
      const { writeWebhookContract } = await import('../../server/write-webhook-contract');
      writeWebhookContract();
    });
  return webhooks;
}
