import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { baseEnvironment } from './base-environment';
import { runToEnd, startProcess } from './child-process';
import { freePort } from './free-port';
import { createDatabase, postgresEndpoint, startPostgres, withDatabase } from './postgres-server';
import { lockStackDir } from './stack-lock';
import { startTemporalServer, setupTemporalSchemas, temporalServerBinaries } from './temporal-postgres';
import { connectable, waitForReady, waitUntil } from './wait-until';

const root = path.resolve(import.meta.dirname, '../..');

export interface ProductionStackOptions {
  /** Holds logs/, mail/ (every email as .eml), stack.env and, when the stack starts its own, postgres/. */
  dir: string;
  /** Admin URL of a PostgreSQL server to use; default: a throwaway cluster in `<dir>/postgres`. */
  postgresUrl?: string;
  /** Appended to the database names (cartflow, temporal, temporal_visibility) to share a server. */
  databaseSuffix?: string;
  /** Passed to the cartflow processes as CAMPAIGNS_DIR (default: the shipped campaigns). */
  campaignsDir?: string;
  /** ABANDON_AFTER of the cartflow processes (default 1h, cartflow's own). */
  abandonAfter?: string;
  /** The HTTP server's port; default a free one. */
  port?: number;
  /** The Temporal frontend's gRPC port; default a free one. */
  temporalPort?: number;
  /** LOG_LEVEL of the cartflow processes. */
  logLevel?: string;
  /** Readiness deadline of each process (a cold start on 2 busy cores is slow). */
  timeoutMs?: number;
}

export interface ProductionStack {
  /** The cartflow HTTP server (webhooks at /webhooks/cart). */
  url: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  /** The database names on the PostgreSQL server. */
  databases: { cartflow: string; temporal: string; visibility: string };
  /** Where the mail catcher saves each email. */
  mailDir: string;
  logsDir: string;
  /** Signs webhooks (the stack generates it; also in `<dir>/stack.env`). */
  webhookSecret: string;
  /** PAYLOAD_KEYS of the worker and the server: a client needs them to read workflow payloads. */
  payloadKeys: string;
  /** The environment the worker and the server run with (secrets included: also in `<dir>/stack.env`). */
  environment: Record<string, string>;
  /** Stops every process (server and worker drain first) and the PostgreSQL cluster it started. */
  stop(): Promise<void>;
}

/**
 * The production configuration without containers, the shape docker-compose.yml deploys:
 * PostgreSQL; the Temporal server on it (schemas by temporal-sql-tool); cartflow's migrations as a
 * one-shot, then `npm run worker` and `npm run server` as separate processes; and an SMTP server
 * that catches every email. Each step waits on the real readiness of the one before.
 */
export async function startProductionStack(options: ProductionStackOptions): Promise<ProductionStack> {
  const dir = path.resolve(options.dir);
  const logsDir = path.join(dir, 'logs');
  const mailDir = path.join(dir, 'mail');
  await mkdir(dir, { recursive: true });
  const unlock = await lockStackDir(dir);
  await rm(logsDir, { recursive: true, force: true });
  await mkdir(logsDir, { recursive: true });
  await mkdir(mailDir, { recursive: true });
  const timeoutMs = options.timeoutMs ?? 120_000;
  const stops: Array<() => Promise<void>> = [unlock];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
  };
  try {
    const binaries = await temporalServerBinaries();
    let admin = options.postgresUrl;
    if (!admin) {
      const cluster = await startPostgres(path.join(dir, 'postgres'));
      stops.push(cluster.stop);
      admin = cluster.url;
    }
    const endpoint = postgresEndpoint(admin);
    if (options.databaseSuffix !== undefined && !/^[a-z0-9_]{1,20}$/.test(options.databaseSuffix)) {
      throw new Error(`databaseSuffix "${options.databaseSuffix}": use 1-20 of a-z, 0-9 and _`);
    }
    const suffix = options.databaseSuffix ? `_${options.databaseSuffix}` : '';
    const databases = { temporal: `temporal${suffix}`, visibility: `temporal_visibility${suffix}` };
    const cartflowDatabase = `cartflow${suffix}`;
    await createDatabase(admin, cartflowDatabase);
    await setupTemporalSchemas({
      binaries,
      postgres: endpoint,
      databases,
      logFile: path.join(logsDir, 'temporal-schema.log'),
    });
    const temporal = await startTemporalServer({
      binaries,
      postgres: endpoint,
      databases,
      namespace: 'default',
      port: options.temporalPort,
      logFile: path.join(logsDir, 'temporal-server.log'),
      timeoutMs,
    });
    stops.push(() => temporal.process.stop());

    const smtpPort = await freePort();
    const mail = startProcess({
      name: 'mail-catcher',
      command: path.join(root, 'node_modules', '.bin', 'tsx'),
      args: [path.join(root, 'deploy', 'local', 'mail-catcher.ts'), '--dir', mailDir, '--port', String(smtpPort)],
      env: baseEnvironment(),
      cwd: root,
      logFile: path.join(logsDir, 'mail-catcher.log'),
    });
    stops.push(() => mail.stop());

    const port = options.port ?? (await freePort());
    const workerHealthPort = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const databaseUrl = withDatabase(admin, cartflowDatabase);
    const taskQueue = 'cartflow';
    const webhookSecret = randomBytes(24).toString('hex');
    const payloadKeys = `k1:${randomBytes(32).toString('base64')}`;
    const environment: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      MAIL_FROM: 'Cartflow Shop <shop@localhost>',
      WEBHOOK_SECRET: webhookSecret,
      TRACKING_SECRET: randomBytes(32).toString('hex'),
      PAYLOAD_KEYS: payloadKeys,
      // Opens the privacy API and the codec endpoint, so `npm run temporal` with stack.env decodes payloads.
      ADMIN_TOKEN: randomBytes(24).toString('hex'),
      PUBLIC_BASE_URL: url,
      HOST: '127.0.0.1',
      PORT: String(port),
      WORKER_HEALTH_PORT: String(workerHealthPort),
      ABANDON_AFTER: options.abandonAfter ?? '1h',
      LOG_LEVEL: options.logLevel ?? 'info',
      SHUTDOWN_GRACE: '10s',
      ...(options.campaignsDir ? { CAMPAIGNS_DIR: options.campaignsDir } : {}),
    };
    await writeFile(path.join(dir, 'stack.env'), envFile(environment), { mode: 0o600 });
    const cartflow = (name: string, script: string) => ({
      name,
      command: 'npm',
      args: ['run', '--silent', script],
      env: { ...baseEnvironment(), ...environment },
      cwd: root,
      logFile: path.join(logsDir, `${name}.log`),
    });
    // Like compose's cartflow-migrate: one process migrates, so worker and server never race to.
    await runToEnd(cartflow('cartflow-migrate', 'migrate'));
    const worker = startProcess(cartflow('cartflow-worker', 'worker'));
    stops.push(() => worker.stop());
    const server = startProcess(cartflow('cartflow-server', 'server'));
    stops.push(() => server.stop());
    await Promise.all([
      waitForReady(`http://127.0.0.1:${workerHealthPort}/readyz`, worker, timeoutMs),
      waitForReady(`${url}/readyz`, server, timeoutMs),
      waitUntil({ what: 'mail-catcher', exited: mail.exited, timeoutMs, check: () => connectable(smtpPort) }),
    ]);
    return {
      url,
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      taskQueue,
      databaseUrl,
      databases: { cartflow: cartflowDatabase, ...databases },
      mailDir,
      logsDir,
      webhookSecret,
      payloadKeys,
      environment,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** KEY='value' lines a shell can `source` (values are hex, base64 or URLs: no single quotes). */
function envFile(environment: Record<string, string>): string {
  return Object.entries(environment)
    .map(([name, value]) => `${name}='${value}'`)
    .join('\n')
    .concat('\n');
}
