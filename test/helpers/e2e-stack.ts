import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import pino from 'pino';
import { inject } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { createChainStopper } from '../../app/chain-stopper';
import type { Campaign } from '../../domain/campaign';
import { type AppConfig, createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { createOutboxRelay, type OutboxRelay } from '../../server/outbox-relay';
import type { LinkSettings } from '../../tracking/message-links';
import { TEST_SECRET } from './cart-events';
import type { TestDatabase } from './database';
import { startDeliveryStack } from './delivery-stack';
import { startHttpServer } from './http-server';
import type { MailCatcher } from './mail-catcher';
import { startWithTeardown } from './teardown';
import { startTestWorker } from './test-worker';
import type { ServerMetrics } from '../../metrics/server-metrics';
import type { WorkerMetrics } from '../../metrics/worker-metrics';

export interface E2eStackOptions {
  /** Prefix of the stack's own task queue. */
  name: string;
  shopId: string;
  campaigns: Campaign[];
  abandonAfterMs: number;
  /** App settings beyond the shop and its signed cart webhook (tracking secret, admin token…). */
  config?: Partial<AppConfig>;
  /** Tracked links, open pixel and signed unsubscribe link in every email; emails go out as rendered without. */
  links?: LinkSettings;
  /** Encrypts every payload of the worker and the app's client, and is served to the Temporal UI at /codec. */
  payloadCodec?: PayloadCodec;
  /** The app's metrics, served at GET /metrics. */
  serverMetrics?: ServerMetrics;
  /** The worker's step, SMTP and activity metrics. */
  workerMetrics?: WorkerMetrics;
  /** Worker settings beyond mail delivery (e.g. `consentGraceMs`). */
  workerDeps?: Partial<ActivityDeps>;
}

export interface E2eStack {
  database: TestDatabase;
  /** Receives what the worker sends, from "Cartflow Shop <shop@mail.example.com>". */
  smtp: MailCatcher;
  connection: Connection;
  /** The app's Temporal client (with the payload codec when there is one). */
  client: Client;
  app: ReturnType<typeof createApp>;
  /** The app's outbox relay (delivers when woken): `await relay.drain()` to know a posted event reached Temporal. */
  relay: OutboxRelay;
  /** The app served on 127.0.0.1. */
  url: string;
  /** Stops the server and the worker, closes the connections and mail, and drops the database. */
  close(): Promise<void>;
}

/**
 * Everything real: a fresh Postgres database, an SMTP mail catcher, a worker on the Temporal dev
 * server with its own task queue, and the app (chains stop on opt-outs) serving HTTP on a port.
 */
export function startE2eStack(options: E2eStackOptions): Promise<E2eStack> {
  return startWithTeardown(async (teardown) => {
    const taskQueue = `${options.name}-${randomUUID()}`;
    const { payloadCodec } = options;
    const delivery = await startDeliveryStack({ from: 'Cartflow Shop <shop@mail.example.com>' });
    teardown.add(delivery.close);
    const { database, smtp } = delivery;
    const worker = await startTestWorker({
      taskQueue,
      deps: { ...delivery.deps, ...options.workerDeps, ...(options.links ? { links: options.links } : {}) },
      payloadCodec,
      metrics: options.workerMetrics,
    });
    teardown.add(worker.shutdown);
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    teardown.add(() => connection.close());
    const client = new Client({
      connection,
      ...(payloadCodec ? { dataConverter: { payloadCodecs: [payloadCodec] } } : {}),
    });
    const workflows = createCartWorkflows({
      client,
      taskQueue,
      abandonAfterMs: options.abandonAfterMs,
      campaigns: options.campaigns,
    });
    const relay = createOutboxRelay({ db: database.db, workflows, logger: pino({ level: 'silent' }) });
    const app = createApp({
      db: database.db,
      workflows,
      relay,
      config: {
        shopId: options.shopId,
        webhookSecret: TEST_SECRET,
        webhookMaxBytes: 256 * 1024,
        webhookToleranceMs: 300_000,
        ...options.config,
      },
      chains: createChainStopper({ db: database.db, client }),
      payloadCodec,
      ...(options.serverMetrics ? { metrics: options.serverMetrics } : {}),
      logger: pino({ level: 'silent' }),
    });
    const server = await startHttpServer(app);
    teardown.add(server.close);
    return { database, smtp, connection, client, app, relay, url: server.url, close: teardown.run };
  });
}
