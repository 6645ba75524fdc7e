import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { softBounceRule } from '../app/bounces';
import { createChainStopper } from '../app/chain-stopper';
import type { Config } from '../config/env';
import type { Db } from '../db/client';
import type { InboundAddresses } from './inbound-mail';
import { type InboundSmtp, startInboundSmtp } from './smtp-listener';

export interface InboundFromConfigInput {
  config: Config;
  /** INBOUND_SMTP_PORT, or what the entry point chose when it is unset (`npm start`: 0, any free port). */
  port: number;
  /** The List-Unsubscribe mailto (app/services.ts `unsubscribeAddress`) and BOUNCE_ADDRESS. */
  addresses: InboundAddresses;
  db: Db;
  client: Client;
  /** TRACKING_SECRET, or the generated local one under `npm start`. */
  trackingSecret: string;
  logger: Logger;
}

/** The inbound SMTP listener wired from configuration, as both `npm start` and `npm run server` run it. */
export function startInboundFromConfig(input: InboundFromConfigInput): Promise<InboundSmtp> {
  const { config, db, client, logger } = input;
  return startInboundSmtp({
    host: config.INBOUND_SMTP_HOST,
    port: input.port,
    maxBytes: config.INBOUND_SMTP_MAX_BYTES,
    addresses: input.addresses,
    deps: {
      db,
      secret: input.trackingSecret,
      softBounces: softBounceRule(config),
      chains: createChainStopper({ db, client }),
      logger,
      now: () => new Date(),
    },
  });
}
