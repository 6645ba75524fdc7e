import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CART_SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { minimalEnv } from '../helpers/test-env';

// docker-compose.yml checked by Compose itself (`docker-compose config`: schema, interpolation,
// references between services), which needs no Docker engine. scripts/compose-validator.sh finds
// one or installs Debian's. The file's shape is the one test/e2e/production-stack.test.ts runs
// without containers: these tests hold the two together.
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const composeFile = path.join(root, 'docker-compose.yml');
/** What an operator puts in .env (docker-compose.yml's header). */
const OPERATOR_ENV = {
  POSTGRES_PASSWORD: 'c0ffee0123456789abcdef',
  WEBHOOK_SECRET: 'webhook-secret-0123456789',
  TRACKING_SECRET: 'tracking-secret-0123456789abcdef0123',
  PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

let compose: string;
let dir: string;
let emptyEnvFile: string;
/** `config` with the operator's values: each run of the Python validator costs seconds. */
let rendered: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  const { stdout } = await run('bash', [path.join(root, 'scripts', 'compose-validator.sh')]);
  compose = stdout.trim().split('\n').at(-1) ?? '';
  dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-compose-'));
  // Compose also reads <project>/.env: a developer's own must not change what is checked.
  emptyEnvFile = path.join(dir, 'empty.env');
  await writeFile(emptyEnvFile, '');
  rendered = await composeConfig({ env: OPERATOR_ENV });
}, 10 * 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `docker-compose -f <file> config <args>` with only `env` (and PATH) in the environment. */
async function composeConfig(options: { file?: string; env: Record<string, string>; args?: string[] }) {
  return run(
    compose,
    [
      '-f',
      options.file ?? composeFile,
      '--project-directory',
      root,
      '--env-file',
      emptyEnvFile,
      'config',
      ...(options.args ?? []),
    ],
    { env: { PATH: minimalEnv().PATH, ...options.env } },
  ).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

interface RenderedService {
  environment?: Record<string, string>;
  command?: string[];
}

describe('docker-compose.yml, validated by docker-compose config', () => {
  it('is valid with the values the operator provides, and has the services of the production stack', () => {
    expect(rendered.stderr).toBe('');
    expect(rendered.code).toBe(0);
    const services = (parse(rendered.stdout) as { services: Record<string, RenderedService> }).services;
    expect(Object.keys(services).sort()).toEqual(
      [
        'cartflow-migrate',
        'cartflow-server',
        'cartflow-worker',
        'mailpit',
        'postgresql',
        'temporal',
        'temporal-create-namespace',
        'temporal-schema',
        'temporal-ui',
      ].sort(),
    );
  });

  it('refuses to render without a secret and names the variable', async () => {
    const { POSTGRES_PASSWORD: _, ...withoutPassword } = OPERATOR_ENV;
    const result = await composeConfig({ env: withoutPassword, args: ['-q'] });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('set POSTGRES_PASSWORD in .env');
  });

  it('rejects a file Compose cannot run (the validator is real, not a YAML parse)', async () => {
    const broken = (await readFile(composeFile, 'utf8')).replace(
      '    image: postgres:16',
      '    image: postgres:16\n    imagee: typo',
    );
    const file = path.join(dir, 'broken.yml');
    await writeFile(file, broken);
    const result = await composeConfig({ file, env: OPERATOR_ENV, args: ['-q'] });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('imagee');
  });

  it('sets Temporal up as the verified stack does: postgres12, both schemas, namespace and search attributes', () => {
    expect(rendered.code).toBe(0);
    const services = (parse(rendered.stdout) as { services: Record<string, RenderedService> }).services;
    // The variables deploy/temporal/development-postgres.yaml reads, with the same meaning.
    expect(services.temporal?.environment).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'postgresql',
      DB_PORT: '5432',
      POSTGRES_USER: 'cartflow',
      POSTGRES_PWD: OPERATOR_ENV.POSTGRES_PASSWORD,
    });
    // The steps deploy/local/temporal-postgres.ts runs with the same temporal-sql-tool.
    const schema = services['temporal-schema']?.command?.join('\n') ?? '';
    for (const database of ['temporal', 'temporal_visibility']) {
      expect(schema).toContain(`--db ${database} create`);
      expect(schema).toContain(`--db ${database} setup-schema -v 0.0`);
    }
    expect(schema).toContain('--plugin postgres12');
    expect(schema).toMatch(/--db temporal update-schema -d \S*\/temporal\/versioned/);
    expect(schema).toMatch(/--db temporal_visibility update-schema -d \S*\/visibility\/versioned/);
    const namespace = services['temporal-create-namespace']?.command?.join('\n') ?? '';
    expect(namespace).toContain('namespace create --namespace default --retention 72h');
    for (const { name } of Object.values(CART_SEARCH_ATTRIBUTES)) expect(namespace).toContain(name);
  });
});
