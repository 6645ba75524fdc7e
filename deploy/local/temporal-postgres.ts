import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { registerCartSearchAttributes } from '../../app/search-attributes';
import { CART_SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { baseEnvironment } from './base-environment';
import { type RunningProcess, runToEnd, startProcess } from './child-process';
import { freePort } from './free-port';
import { waitUntil } from './wait-until';

const root = path.resolve(import.meta.dirname, '../..');

/** What scripts/temporal-server.sh builds (from the Go module proxy) into .cache/temporal/server-<version>/. */
export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  /** schema/postgresql/v12 of the server's module source: temporal/ and visibility/. */
  schemaDir: string;
}

/** Builds the Temporal server and temporal-sql-tool on first use (minutes), then reuses them. */
export async function temporalServerBinaries(): Promise<TemporalServerBinaries> {
  const { stdout } = await promisify(execFile)('bash', [path.join(root, 'scripts', 'temporal-server.sh')], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const dir = stdout.trim().split('\n').at(-1) ?? '';
  return {
    server: path.join(dir, 'temporal-server'),
    sqlTool: path.join(dir, 'temporal-sql-tool'),
    schemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
  };
}

/** A PostgreSQL server and the role Temporal connects as. */
export interface PostgresEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface TemporalDatabases {
  /** The history store (default `temporal`). */
  temporal: string;
  /** The visibility store (default `temporal_visibility`). */
  visibility: string;
}

/**
 * Creates both Temporal databases and brings their schemas to the newest version, the same steps
 * as docker-compose.yml's temporal-schema service. Idempotent: a second run changes nothing.
 */
export async function setupTemporalSchemas(options: {
  binaries: TemporalServerBinaries;
  postgres: PostgresEndpoint;
  databases: TemporalDatabases;
  logFile: string;
}): Promise<void> {
  const { binaries, postgres, databases } = options;
  const stores = [
    { database: databases.temporal, versioned: path.join(binaries.schemaDir, 'temporal', 'versioned') },
    { database: databases.visibility, versioned: path.join(binaries.schemaDir, 'visibility', 'versioned') },
  ];
  for (const { database, versioned } of stores) {
    const sqlTool = (args: string[]) =>
      runToEnd({
        name: `temporal-sql-tool ${args[0]} (${database})`,
        command: binaries.sqlTool,
        // The password goes by environment (SQL_PASSWORD), never on a command line that `ps` shows.
        args: [
          '--plugin',
          'postgres12',
          '--ep',
          postgres.host,
          '-p',
          String(postgres.port),
          '-u',
          postgres.user,
          '--db',
          database,
          ...args,
        ],
        env: { ...baseEnvironment(), SQL_PASSWORD: postgres.password },
        cwd: root,
        logFile: options.logFile,
      });
    await sqlTool(['create-database']);
    await sqlTool(['setup-schema', '-v', '0.0']);
    await sqlTool(['update-schema', '-d', versioned]);
  }
}

export interface TemporalServer {
  /** host:port of the frontend's gRPC endpoint (TEMPORAL_ADDRESS). */
  address: string;
  namespace: string;
  process: RunningProcess;
}

/**
 * Starts `temporal-server` with deploy/temporal/development-postgres.yaml on free ports, waits
 * until it serves, then registers the namespace and the cart workflows' search attributes.
 */
export async function startTemporalServer(options: {
  binaries: TemporalServerBinaries;
  postgres: PostgresEndpoint;
  databases: TemporalDatabases;
  namespace: string;
  logFile: string;
  /** The frontend's gRPC port; default a free one. */
  port?: number;
  timeoutMs?: number;
}): Promise<TemporalServer> {
  // A port found free can be taken by another process before the server binds it (a test suite
  // starts servers side by side): on "address already in use", start again on other free ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts(options);
    } catch (error) {
      const portTaken = error instanceof Error && error.message.includes('address already in use');
      if (!portTaken || options.port !== undefined || attempt === 3) throw error;
    }
  }
}

async function startOnFreePorts(options: Parameters<typeof startTemporalServer>[0]): Promise<TemporalServer> {
  const taken = new Set<number>();
  // freePort() does not reserve: never hand the same port to two services.
  const distinctFreePort = async () => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  const grpcPort = options.port ?? (await distinctFreePort());
  taken.add(grpcPort);
  // Every service of the single-binary server listens twice (gRPC + membership): nine ports in all.
  const ports: Record<string, number> = { FRONTEND_GRPC_PORT: grpcPort };
  for (const name of [
    'FRONTEND_HTTP_PORT',
    'FRONTEND_MEMBERSHIP_PORT',
    'HISTORY_GRPC_PORT',
    'HISTORY_MEMBERSHIP_PORT',
    'MATCHING_GRPC_PORT',
    'MATCHING_MEMBERSHIP_PORT',
    'WORKER_GRPC_PORT',
    'WORKER_MEMBERSHIP_PORT',
  ]) {
    ports[name] = await distinctFreePort();
  }
  const env = {
    ...baseEnvironment(),
    POSTGRES_SEEDS: options.postgres.host,
    DB_PORT: String(options.postgres.port),
    POSTGRES_USER: options.postgres.user,
    POSTGRES_PWD: options.postgres.password,
    DBNAME: options.databases.temporal,
    VISIBILITY_DBNAME: options.databases.visibility,
    BIND_ON_IP: '127.0.0.1',
    // Each of the four services holds its own pools: keep a local stack well inside a shared
    // PostgreSQL's max_connections (the config's defaults, 20 + 10, suit a server of its own).
    SQL_MAX_CONNS: '8',
    SQL_MAX_IDLE_CONNS: '8',
    SQL_VIS_MAX_CONNS: '4',
    SQL_VIS_MAX_IDLE_CONNS: '4',
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
  };
  const server = startProcess({
    name: 'temporal-server',
    command: options.binaries.server,
    args: ['--root', root, '--config', 'deploy/temporal', '--env', 'development-postgres', '--allow-no-auth', 'start'],
    env,
    cwd: root,
    logFile: options.logFile,
  });
  const address = `127.0.0.1:${grpcPort}`;
  try {
    await prepareNamespace({
      address,
      namespace: options.namespace,
      exited: server.exited,
      timeoutMs: options.timeoutMs ?? 120_000,
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { address, namespace: options.namespace, process: server };
}

/**
 * The plain server creates no namespace: register it (72 h retention, like docker-compose.yml),
 * wait until the frontend serves it, then add the search attributes and wait until they are listed.
 */
async function prepareNamespace(options: {
  address: string;
  namespace: string;
  exited: Promise<never>;
  timeoutMs: number;
}): Promise<void> {
  const { namespace, exited, timeoutMs } = options;
  const connection = await waitUntil({
    what: `Temporal server at ${options.address}`,
    exited,
    timeoutMs,
    check: async () => {
      const candidate = await Connection.connect({ address: options.address, connectTimeout: 2_000 });
      try {
        await candidate.workflowService.getSystemInfo({});
        return candidate;
      } catch (error) {
        await candidate.close();
        throw error;
      }
    },
  });
  try {
    const exists = await connection.workflowService.describeNamespace({ namespace }).then(
      () => true,
      () => false,
    );
    if (!exists) {
      const { temporal } = (await import('@temporalio/proto')).default;
      // fromObject turns the plain number into the Long the generated type wants.
      const request = temporal.api.workflowservice.v1.RegisterNamespaceRequest.fromObject({
        namespace,
        workflowExecutionRetentionPeriod: { seconds: 72 * 3600 },
      });
      await connection.workflowService.registerNamespace(request);
    }
    // The frontend caches namespaces (refreshed every ~10 s): a new one is served only after that.
    await waitUntil({
      what: `namespace ${namespace}`,
      exited,
      timeoutMs,
      check: () => connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 }),
    });
    await registerCartSearchAttributes(connection, namespace);
    const wanted = Object.values(CART_SEARCH_ATTRIBUTES).map((key) => key.name);
    await waitUntil({
      what: 'search attributes',
      exited,
      timeoutMs,
      check: async () => {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        const missing = wanted.filter((name) => !(name in (customAttributes ?? {})));
        if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}`);
      },
    });
  } finally {
    await connection.close();
  }
}
