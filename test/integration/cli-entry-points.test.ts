import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inheritedEnv } from '../helpers/test-env';

// Every command an operator types, run as a process the way `npm run` runs it: `--help` answers,
// a mistake is one line that says what to do, and no stack trace ever reaches the terminal.
const root = path.resolve(import.meta.dirname, '../..');
const { CAMPAIGNS_DIR: _unset, ...baseEnv } = inheritedEnv();

function run(script: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      path.join(root, 'node_modules/.bin/tsx'),
      [script, ...args],
      { cwd: root, env: { ...baseEnv, LOG_LEVEL: 'silent', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

const STACK = /^\s+at /m;
const brokenFolder = 'test/fixtures/campaigns-bad/typo';

describe('npm run campaigns:check', () => {
  const check = (args: string[], env?: Record<string, string>) => run('campaigns/check.ts', args, env);

  it('--help says what it checks and what the exit codes mean', async () => {
    const help = await check(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: cartflow campaigns:check \[options\] \[folder\]/);
    expect(help.stdout).toContain('CAMPAIGNS_DIR');
    expect(help.stdout).toContain('2 no such folder');
  });

  it('a missing folder: one line saying what to do, exit code 2', async () => {
    const fromEnv = await check([], { CAMPAIGNS_DIR: 'no/such/campaigns' });
    expect(fromEnv).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'cartflow: no such folder: no/such/campaigns (set CAMPAIGNS_DIR or pass a folder)\n',
    });
    const fromArgument = await check(['elsewhere']);
    expect(fromArgument.code).toBe(2);
    expect(fromArgument.stderr).toBe('cartflow: no such folder: elsewhere (set CAMPAIGNS_DIR or pass a folder)\n');
  });

  it('checks the folder in CAMPAIGNS_DIR: a broken one is exit code 1 naming file, line and field', async () => {
    const broken = await check([], { CAMPAIGNS_DIR: brokenFolder });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`${brokenFolder}/b2c-cart.v1.yaml:11: quiet_hours: unknown field`);
    expect(broken.stderr).not.toMatch(STACK);
  });

  it('a folder argument wins over CAMPAIGNS_DIR; the shipped campaigns are ok', async () => {
    const shipped = await check(['campaigns'], { CAMPAIGNS_DIR: brokenFolder });
    expect(shipped).toMatchObject({ code: 0, stderr: '' });
    expect(shipped.stdout).toMatch(/^checked campaigns\n/);
    expect(shipped.stdout).toMatch(/^ok {2}cart\.abandoned +priority +100 {2}b2c-cart v1/m);
  });

  it('an unknown flag is a usage error, not a stack trace', async () => {
    const wrong = await check(['--folder', 'campaigns']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: unknown option '--folder'/);
    expect(wrong.stderr).not.toMatch(STACK);
  });
});

describe.each([
  ['cli/start.ts', 'cartflow start'],
  ['worker.ts', 'cartflow worker'],
  ['server/main.ts', 'cartflow server'],
  ['db/migrate-cli.ts', 'cartflow migrate'],
  ['campaigns/write-schema.ts', 'cartflow campaigns:schema'],
  ['cli/privacy.ts', 'cartflow privacy'],
  ['cli/suppressions.ts', 'cartflow suppressions'],
  ['cli/templates.ts', 'cartflow templates'],
])('%s', (script, name) => {
  it('answers --help without starting anything', async () => {
    const help = await run(script, ['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(new RegExp(`^Usage: ${name} `));
  });

  it('refuses an unknown flag with a usage line and no stack trace', async () => {
    const wrong = await run(script, ['--no-such-flag']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: unknown option '--no-such-flag'/);
    expect(wrong.stderr).not.toMatch(STACK);
  });
});
