import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { createApp } from '../server/app';
import type { CartWorkflows } from '../server/cart-workflows';
import type { OutboxWake } from '../server/outbox-relay';

/** The bench's consumer campaign as written in a campaign file (one 1 h reminder); child processes parse it again. */
export const benchCampaignFile = {
  id: 'bench-consumer',
  version: 1,
  name: 'Bench consumers',
  priority: 100,
  trigger: 'cart.abandoned',
  audience: 'everyone',
  steps: [{ id: 'reminder', delay: '1h', template: 'cart-reminder' }],
};

/**
 * The production HTTP app (server/app.ts) as the benches run it: one shop and its secret, a 256 KiB
 * body limit, 5 minutes of signature tolerance, and no rate limits (one simulated shop posts every
 * webhook from one address: the per-network limit is not what is measured).
 */
export function createBenchApp(input: {
  db: Db;
  workflows: CartWorkflows;
  relay: OutboxWake;
  shopId: string;
  secret: string;
  logger: Logger;
}): ReturnType<typeof createApp> {
  const { db, workflows, relay, shopId, secret, logger } = input;
  return createApp({
    db,
    workflows,
    relay,
    config: {
      shopId,
      webhookSecret: secret,
      webhookMaxBytes: 256 * 1024,
      webhookToleranceMs: 300_000,
      rateLimits: { webhooks: 'off', tracking: 'off', unsubscribe: 'off' },
    },
    logger,
  });
}
