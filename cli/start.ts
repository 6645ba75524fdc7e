import path from 'node:path';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { type Config, loadConfig } from '../config/env';
import { createLogger, routeTemporalLogs } from '../config/logger';
import { outboxWriter, startSmtpSink } from '../mail/smtp-sink';
import { createAppFromConfig } from '../server/app-from-config';
import { createWorker } from '../worker';
import { payloadCodecFromKeys } from '../codec/codec-config';
import { localPayloadKeys, localTrackingSecret, localWebhookSecret } from './dev-secret';
import { startEmbeddedTemporal } from './embedded-temporal';
import { exitWithError, parseNoArguments } from './process';
import { loadCampaignFiles, openServices } from './services';
import { drainHttpServer, onShutdownSignals } from './shutdown';
import { smtpCheck } from '../health/checks';

/**
 * `npm start`: the worker and the HTTP server in one process. Whatever is not configured is
 * embedded: a Temporal dev server (with UI), PGlite, and an SMTP sink writing .eml files.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  routeTemporalLogs(logger, { ownSignals: true });
  const cleanups: Array<() => Promise<void>> = [];
  const banner: string[] = [];

  const keys = config.PAYLOAD_KEYS
    ? { payloadKeys: config.PAYLOAD_KEYS, source: 'PAYLOAD_KEYS' }
    : await localPayloadKeys(config.DATA_DIR).then(({ secret, file }) => ({ payloadKeys: secret, source: file }));
  const payloadCodec = payloadCodecFromKeys(keys.payloadKeys, keys.source);
  const temporal = await connectTemporal(config, logger, payloadCodec);
  cleanups.push(temporal.close);
  banner.push(`Temporal    ${temporal.description}`);
  banner.push(`Payloads    encrypted with key "${payloadCodec.keyId}" (keys from ${keys.source})`);

  let smtpUrl = config.SMTP_URL;
  if (!smtpUrl) {
    const outbox = path.resolve(config.OUTBOX_DIR);
    const sink = await startSmtpSink({ onMessage: outboxWriter(outbox) });
    cleanups.push(sink.close);
    smtpUrl = sink.url;
    banner.push(`Email       SMTP sink ${sink.url}, every email saved as .eml in ${outbox}`);
  } else {
    banner.push(`Email       ${new URL(smtpUrl).host}`);
  }

  const { active: campaigns, all: campaignVersions } = await loadCampaignFiles(config);
  const trackingSecret = config.TRACKING_SECRET ?? (await localTrackingSecret(config.DATA_DIR)).secret;
  const services = await openServices(config, logger, { smtpUrl, trackingSecret, serveEmbeddedDatabase: true });
  cleanups.push(services.close);
  banner.push(`Database    ${services.database.description}`);
  banner.push(`Campaigns   ${campaigns.map((campaign) => `${campaign.id}@${campaign.version}`).join(', ')}`);

  const secret = config.WEBHOOK_SECRET
    ? { secret: config.WEBHOOK_SECRET, source: 'WEBHOOK_SECRET' }
    : await localWebhookSecret(config.DATA_DIR).then(({ secret, file }) => ({ secret, source: file }));

  const worker = await createWorker({
    connection: temporal.nativeConnection,
    namespace: config.temporal.namespace,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: services.activityDeps,
    payloadCodec,
    shutdownGraceMs: config.SHUTDOWN_GRACE,
  });
  let drained: Promise<void> | undefined; // set once a signal came: the HTTP server is draining
  const app = createAppFromConfig({
    config,
    db: services.database.db,
    client: temporal.client,
    webhookSecret: secret.secret,
    trackingSecret,
    logger,
    campaigns,
    campaignVersions,
    payloadCodec,
    // This process sends mail too: it is ready only if the SMTP server answers.
    extraReadiness: { smtp: smtpCheck(services.activityDeps.mailer) },
    draining: () => drained !== undefined,
  });
  const server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  banner.push(
    `Webhooks    POST http://${config.HOST}:${config.PORT}/webhooks/cart (secret from ${secret.source})`,
    `Abandoned   after ${config.ABANDON_AFTER / 1000}s of inactivity (ABANDON_AFTER)`,
  );
  process.stdout.write(`\ncartflow is running\n${banner.map((line) => `  ${line}`).join('\n')}\n\n`);

  // One signal stops the worker (in-flight activities get SHUTDOWN_GRACE) and drains the HTTP
  // server; everything else is closed after them, even when the worker fails (Ctrl-C also stops
  // the embedded Temporal server under it): closing the database is what releases
  // DATA_DIR/pglite.lock. tsx relays a Ctrl-C to us that we already got: onShutdownSignals counts
  // that copy as the same signal, so it cannot end the process before the database is closed. A
  // second Ctrl-C of its own exits at once (the next start recovers the lock it leaves).
  const drain = () => (drained ??= drainHttpServer(server, config.SHUTDOWN_GRACE));
  onShutdownSignals({
    logger,
    graceMs: config.SHUTDOWN_GRACE,
    begin: () => {
      void drain();
      if (worker.getState() === 'RUNNING') worker.shutdown();
    },
  });
  try {
    await worker.run();
  } finally {
    await drain();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

interface TemporalConnections {
  client: Client;
  nativeConnection: NativeConnection;
  description: string;
  close: () => Promise<void>;
}

async function connectTemporal(
  config: Config,
  logger: Logger,
  payloadCodec: PayloadCodec,
): Promise<TemporalConnections> {
  if (config.temporal.address) {
    const connectionOptions = config.temporal.connection;
    const nativeConnection = await NativeConnection.connect(connectionOptions);
    const connection = await Connection.connect(connectionOptions);
    return {
      client: new Client({
        connection,
        namespace: config.temporal.namespace,
        dataConverter: { payloadCodecs: [payloadCodec] },
      }),
      nativeConnection,
      description: `${config.temporal.address} (namespace ${config.temporal.namespace})`,
      close: async () => {
        await nativeConnection.close();
        await connection.close();
      },
    };
  }
  const port = 7233;
  logger.info('starting the embedded Temporal dev server (first run builds it; this can take minutes)');
  const env = await startEmbeddedTemporal({
    dataDir: config.DATA_DIR,
    port,
    uiPort: config.TEMPORAL_UI_PORT,
    logger,
    payloadCodec,
  });
  return {
    client: env.client,
    nativeConnection: env.nativeConnection,
    description: `embedded dev server 127.0.0.1:${port}, UI http://127.0.0.1:${config.TEMPORAL_UI_PORT}`,
    close: () => env.teardown(),
  };
}

parseNoArguments({
  name: 'cartflow start',
  description:
    'the worker and the HTTP server in one process; embeds Temporal, PGlite and an SMTP sink when not configured',
});
main().then(() => process.exit(0), exitWithError);
