import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import ms from 'ms';
import { parse } from 'yaml';
import { ExternalVariables, requireExternal } from '../../config/require-external';
import { requirePayloadCodec } from '../../codec/codec-config';
import { loadConfig } from '../../config/env';

/**
 * What an operator checks before `docker compose up`: docker-compose.yml wires the cartflow
 * processes to the services it defines (names, ports, credentials) and gives each of them a
 * configuration that config/env.ts accepts without falling back to an embedded default.
 */

const root = path.resolve(import.meta.dirname, '../..');
const composeFile = path.join(root, 'docker-compose.yml');

type EnvironmentSpec = Record<string, string | number | boolean | null> | string[];
type PortSpec = string | number | { target: number; published?: string | number; host_ip?: string };
type DependsOnSpec = string[] | Record<string, { condition?: string }>;

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: EnvironmentSpec;
  ports?: PortSpec[];
  expose?: Array<string | number>;
  depends_on?: DependsOnSpec;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  stop_grace_period?: string;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

const compose = parse(readFileSync(composeFile, 'utf8')) as ComposeFile;
const services = compose.services;

const CARTFLOW_SERVICES = {
  'cartflow-migrate': 'migrate',
  'cartflow-worker': 'worker',
  'cartflow-server': 'server',
} as const;

/** Stands in for a value the operator must provide (`${VAR:?message}`); long enough for WEBHOOK_SECRET. */
const REQUIRED_VALUE = 'operator-provided-value-0123456789';

/**
 * Compose's interpolation with an empty shell environment: `${VAR:-default}` gives the default,
 * `${VAR:?message}` a value the operator would have to supply, `${VAR}` nothing, `$$` a `$`.
 */
function interpolate(value: string): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, _name: string | undefined, operator: string | undefined, argument: string | undefined) => {
      if (match === '$$') return '$';
      if (operator === ':-' || operator === '-') return argument ?? '';
      if (operator === ':?' || operator === '?') return REQUIRED_VALUE;
      return '';
    },
  );
}

function service(name: string): ComposeService {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** The environment a container of the service gets, after interpolation. */
function environmentOf(name: string): Record<string, string> {
  const spec = service(name).environment ?? {};
  const entries: Array<[string, string]> = Array.isArray(spec)
    ? spec.map((entry) => {
        const index = entry.indexOf('=');
        return index === -1 ? [entry, ''] : [entry.slice(0, index), entry.slice(index + 1)];
      })
    : Object.entries(spec).map(([key, value]) => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(entries.map(([key, value]) => [key, interpolate(value)]));
}

/** Ports the service's container listens on, as declared by `ports` (container side) and `expose`. */
function containerPorts(name: string): number[] {
  const { ports = [], expose = [] } = service(name);
  const fromPorts = ports.map((port) =>
    typeof port === 'object' ? port.target : Number(String(port).split('/')[0]!.split(':').at(-1)),
  );
  return [...fromPorts, ...expose.map((port) => Number(String(port).split('/')[0]))];
}

/** Host port → container port for every published port of the service. */
function publishedPorts(name: string): Array<{ host: number; container: number }> {
  return (service(name).ports ?? []).flatMap((port) => {
    if (typeof port === 'object') {
      return port.published === undefined ? [] : [{ host: Number(port.published), container: port.target }];
    }
    const parts = String(port).split('/')[0]!.split(':');
    return parts.length < 2 ? [] : [{ host: Number(parts.at(-2)), container: Number(parts.at(-1)) }];
  });
}

function dependencies(name: string): Record<string, string> {
  const spec = service(name).depends_on ?? [];
  return Array.isArray(spec)
    ? Object.fromEntries(spec.map((dependency) => [dependency, 'service_started']))
    : Object.fromEntries(
        Object.entries(spec).map(([dependency, options]) => [dependency, options.condition ?? 'service_started']),
      );
}

function commandOf(name: string): string {
  const command = service(name).command;
  return Array.isArray(command) ? command.join(' ') : (command ?? '');
}

/** host:port of a TEMPORAL_ADDRESS-style value. */
function hostAndPort(address: string): { host: string; port: number } {
  const url = new URL(`tcp://${address}`);
  return { host: url.hostname, port: Number(url.port) };
}

describe('docker-compose.yml', () => {
  it('defines the infrastructure and the three cartflow processes', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'mailpit', ...Object.keys(CARTFLOW_SERVICES)]) {
      expect(services, `service ${name}`).toHaveProperty([name]);
    }
  });

  it('pins every third-party image to a version tag', () => {
    for (const [name, { image, build }] of Object.entries(services)) {
      if (build !== undefined) continue;
      expect(image, `${name} image`).toMatch(/^[a-z0-9./_-]+:[A-Za-z0-9._-]+$/);
      expect(image, `${name} image`).not.toMatch(/:latest$/);
    }
    expect(service('postgresql').image).toBe('postgres:16');
    expect(service('temporal').image).toMatch(/^temporalio\/server:1\.\d+\.\d+$/);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:2\.\d+\.\d+$/);
    expect(service('mailpit').image).toMatch(/^axllent\/mailpit:v1\.\d+\.\d+$/);
  });

  describe.each(Object.entries(CARTFLOW_SERVICES))('%s', (name, script) => {
    const env = environmentOf(name);

    it(`builds the cartflow image from the Dockerfile and runs \`npm run ${script}\``, () => {
      const { build } = service(name);
      const context = typeof build === 'string' ? build : build?.context;
      expect(context).toBe('.');
      expect(existsSync(path.join(root, 'Dockerfile'))).toBe(true);
      expect(commandOf(name)).toBe(`npm run ${script}`);
    });

    it('sets every variable a non-embedded run needs', () => {
      for (const variable of [
        'DATABASE_URL',
        'TEMPORAL_ADDRESS',
        'TEMPORAL_NAMESPACE',
        'SMTP_URL',
        'WEBHOOK_SECRET',
        'TRACKING_SECRET',
        'PAYLOAD_KEYS',
        'MAIL_FROM',
        'PUBLIC_BASE_URL',
        'HOST',
        'PORT',
      ]) {
        expect(env[variable], variable).toBeTruthy();
      }
    });

    it('passes loadConfig() with no embedded default left to start', () => {
      const config = loadConfig(env);
      expect(() => requireExternal(config, ExternalVariables)).not.toThrow();
      expect(config.temporal.address).toBe(env.TEMPORAL_ADDRESS);
      expect(config.temporal.address).toBeDefined();
      expect(config.temporal.namespace).toBe(env.TEMPORAL_NAMESPACE);
      expect(config.DATABASE_URL).toBe(env.DATABASE_URL);
      expect(config.SMTP_URL).toBe(env.SMTP_URL);
      expect(config.WEBHOOK_SECRET).toBe(REQUIRED_VALUE);
      expect(config.HOST).toBe('0.0.0.0');
      expect(config.PORT).toBe(3000);
    });

    it('requires PAYLOAD_KEYS from the operator, never a default, in the form the worker and server accept', () => {
      const spec = service(name).environment as Record<string, string>;
      expect(spec.PAYLOAD_KEYS).toMatch(/^\$\{PAYLOAD_KEYS:\?[^}]+\}$/);
      const generated = `k1:${randomBytes(32).toString('base64')}`;
      expect(requirePayloadCodec(loadConfig({ ...env, PAYLOAD_KEYS: generated })).keyId).toBe('k1');
      expect(() => requirePayloadCodec(loadConfig({ ...env, PAYLOAD_KEYS: '' }))).toThrow(/PAYLOAD_KEYS must be set/);
    });

    it('points DATABASE_URL at the postgresql service, its port, role and database', () => {
      const url = new URL(env.DATABASE_URL!);
      expect(url.hostname).toBe('postgresql');
      expect(Object.keys(services)).toContain(url.hostname);
      expect(containerPorts(url.hostname)).toContain(Number(url.port || 5432));
      const postgresEnv = environmentOf(url.hostname);
      expect(decodeURIComponent(url.username)).toBe(postgresEnv.POSTGRES_USER);
      expect(decodeURIComponent(url.password)).toBe(postgresEnv.POSTGRES_PASSWORD);
      expect(url.pathname).toBe(`/${postgresEnv.POSTGRES_DB}`);
    });

    it('points TEMPORAL_ADDRESS at the temporal service and its frontend port', () => {
      const { host, port } = hostAndPort(env.TEMPORAL_ADDRESS!);
      expect(host).toBe('temporal');
      expect(port).toBe(7233);
      expect(containerPorts(host)).toContain(port);
    });

    it('points SMTP_URL at the mailpit service and its SMTP port', () => {
      const url = new URL(env.SMTP_URL!);
      expect(url.protocol).toBe('smtp:');
      expect(url.hostname).toBe('mailpit');
      expect(Number(url.port)).toBe(1025);
      expect(containerPorts(url.hostname)).toContain(1025);
    });

    it('creates the Temporal namespace it uses', () => {
      expect(commandOf('temporal-create-namespace')).toContain(
        `namespace create --namespace ${env.TEMPORAL_NAMESPACE}`,
      );
    });
  });

  it('starts the worker and the server only after the migration succeeded and Temporal is healthy', () => {
    for (const name of ['cartflow-worker', 'cartflow-server']) {
      expect(dependencies(name), name).toMatchObject({
        'cartflow-migrate': 'service_completed_successfully',
        temporal: 'service_healthy',
        'temporal-create-namespace': 'service_completed_successfully',
      });
    }
    expect(dependencies('cartflow-migrate')).toMatchObject({ postgresql: 'service_healthy' });
    expect(dependencies('temporal')).toMatchObject({ postgresql: 'service_healthy' });
    expect(dependencies('temporal-ui')).toHaveProperty('temporal');
  });

  it('only depends on services that exist, with a health check wherever health is awaited', () => {
    for (const name of Object.keys(services)) {
      for (const [dependency, condition] of Object.entries(dependencies(name))) {
        expect(Object.keys(services), `${name} → ${dependency}`).toContain(dependency);
        if (condition === 'service_healthy') {
          expect(service(dependency).healthcheck?.test, `${dependency} health check`).toBeDefined();
        }
      }
    }
  });

  it('probes /readyz of the server on PORT and of the worker on WORKER_HEALTH_PORT', () => {
    const server = loadConfig(environmentOf('cartflow-server'));
    const worker = loadConfig(environmentOf('cartflow-worker'));
    expect(worker.WORKER_HEALTH_PORT).toBeDefined();
    expect(containerPorts('cartflow-worker')).toContain(worker.WORKER_HEALTH_PORT);
    for (const [name, port] of [
      ['cartflow-server', server.PORT],
      ['cartflow-worker', worker.WORKER_HEALTH_PORT],
    ] as const) {
      const test = [service(name).healthcheck?.test ?? []].flat().join(' ');
      expect(test, name).toContain(`http://127.0.0.1:${port}/readyz`);
    }
  });

  it('gives the worker and the server longer than SHUTDOWN_GRACE to stop before SIGKILL', () => {
    for (const name of ['cartflow-worker', 'cartflow-server']) {
      const grace = loadConfig(environmentOf(name)).SHUTDOWN_GRACE;
      const stopGrace = ms((service(name).stop_grace_period ?? '10s') as ms.StringValue);
      expect(stopGrace, name).toBeGreaterThan(grace);
    }
  });

  it('publishes the webhook server on port 3000, the port it listens on', () => {
    const serverPort = Number(environmentOf('cartflow-server').PORT);
    expect(publishedPorts('cartflow-server')).toContainEqual({ host: 3000, container: serverPort });
  });

  it('wires Temporal to the same PostgreSQL and the UI to the same frontend', () => {
    const temporalEnv = environmentOf('temporal');
    const postgresEnv = environmentOf('postgresql');
    expect(temporalEnv.DB).toBe('postgres12');
    expect(temporalEnv.POSTGRES_SEEDS).toBe('postgresql');
    expect(containerPorts('postgresql')).toContain(Number(temporalEnv.DB_PORT));
    expect(temporalEnv.POSTGRES_USER).toBe(postgresEnv.POSTGRES_USER);
    expect(temporalEnv.POSTGRES_PWD).toBe(postgresEnv.POSTGRES_PASSWORD);
    expect(temporalEnv.BIND_ON_IP).toBe('0.0.0.0');

    expect(environmentOf('temporal-ui').TEMPORAL_ADDRESS).toBe(environmentOf('cartflow-worker').TEMPORAL_ADDRESS);
    expect(publishedPorts('temporal-ui')).toContainEqual({ host: 8233, container: 8080 });
    expect(publishedPorts('mailpit')).toContainEqual({ host: 8025, container: 8025 });
  });
});
