import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/command-registry';
import { type CliResult, repositoryRoot, runCartflow, runProcess } from '../helpers/cartflow-cli';

// `cartflow` as an operator types it, each run a real process through bin/cartflow.js: --help
// answers everywhere, a mistake is a line that names it and says where to look (exit code 2), a
// refusal is exit code 1, and no stack trace ever reaches the terminal.

const STACK = /^\s+at /m;
const quiet = { LOG_LEVEL: 'silent' };
const brokenFolder = 'test/fixtures/campaigns-bad/typo';

/** Runs the calls a few at a time: a couple of cores are shared with the servers of the suite. */
async function inBatches<T>(items: readonly T[], run: (item: T) => Promise<CliResult>): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (let start = 0; start < items.length; start += 4) {
    results.push(...(await Promise.all(items.slice(start, start + 4).map(run))));
  }
  return results;
}

/** The subcommands a help page lists under "Commands:" (without commander's own `help`). */
function subcommandsIn(help: string): string[] {
  const section = help.split(/^Commands:\n/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((match) => match[1]!).filter((name) => name !== 'help');
}

describe('cartflow --help', () => {
  it('lists every registered command', async () => {
    const help = await runCartflow(['--help'], quiet);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: cartflow \[options\] \[command\]/);
    expect(subcommandsIn(help.stdout)).toEqual(COMMANDS.map((command) => command.name));
    expect(help.stdout).toContain('Exit codes: 0 ok');
  });

  it('works as `npx cartflow` in the repository (the package bin)', async () => {
    const npx = await runProcess('npx', ['--offline', '--no-install', 'cartflow', '--version'], quiet);
    expect(npx.code).toBe(0);
    expect(npx.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('every command and subcommand answers --help with exit code 0', () => {
  it.each(COMMANDS.map((command) => command.name))('cartflow %s', async (name) => {
    const help = await runCartflow([name, '--help'], quiet);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(new RegExp(`^Usage: cartflow ${name} `));
    const subcommands = subcommandsIn(help.stdout);
    const helps = await inBatches(subcommands, (sub) => runCartflow([name, sub, '--help'], quiet));
    helps.forEach((subHelp, index) => {
      expect(subHelp, `cartflow ${name} ${subcommands[index]} --help`).toMatchObject({ code: 0, stderr: '' });
      expect(subHelp.stdout).toMatch(new RegExp(`^Usage: cartflow ${name} ${subcommands[index]} `));
    });
  });
});

describe('usage errors: exit code 2, one line naming the mistake, a hint, no stack trace', () => {
  const cases: Array<[string[], string, string]> = [
    [['xyzzy'], "error: unknown command 'xyzzy'", '(run "cartflow --help" for usage)'],
    [['help', 'xyzzy'], "error: unknown command 'xyzzy'", '(run "cartflow --help" for usage)'],
    [['--verbose'], "error: unknown option '--verbose'", '(run "cartflow --help" for usage)'],
    [['migrate', '--force'], "error: unknown option '--force'", '(run "cartflow migrate --help" for usage)'],
    [
      ['templates', 'preview'],
      "error: missing required argument 'id'",
      '(run "cartflow templates preview --help" for usage)',
    ],
    [
      ['report', '--format', 'xml'],
      "error: option '-f, --format <format>' argument 'xml' is invalid. Allowed choices are table, json, csv.",
      '(run "cartflow report --help" for usage)',
    ],
    [
      ['bench', 'speed'],
      "error: command-argument value 'speed' is invalid for argument 'name'. Allowed choices are run, render, chains, report, intake, history-size, smtp, cli-startup.",
      '(run "cartflow bench --help" for usage)',
    ],
  ];
  it.each(cases)('cartflow %j', async (args, message, hint) => {
    const result = await runCartflow(args, quiet);
    expect(result).toEqual({ code: 2, stdout: '', stderr: `${message}\n${hint}\n` });
  });

  it('a command group without its subcommand shows its usage on stderr', async () => {
    const result = await runCartflow(['campaigns'], quiet);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Usage: cartflow campaigns \[options\] \[command\]/);
    expect(result.stderr).toMatch(/^ {2}check \[folder\]/m);
  });
});

describe('a refused operation: exit code 1 and what to do', () => {
  it('privacy erase without --yes touches nothing and says how to confirm (an IDN address with an apostrophe)', async () => {
    const result = await runCartflow(['privacy', 'erase', "o'brien@пример.рф"], { ...quiet, DATA_DIR: '/nonexistent' });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'cartflow: erasing is irreversible: run again with --yes (export first if the person asked for a copy)\n',
    });
  });
});

describe('cartflow campaigns check, end to end', () => {
  it('--help says what it checks and what the exit codes mean', async () => {
    const help = await runCartflow(['campaigns', 'check', '--help'], quiet);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: cartflow campaigns check \[options\] \[folder\]/);
    expect(help.stdout).toContain('CAMPAIGNS_DIR');
    expect(help.stdout).toContain('2 no such folder');
  });

  it('a missing folder: one line saying what to do, exit code 2', async () => {
    const fromEnv = await runCartflow(['campaigns', 'check'], { ...quiet, CAMPAIGNS_DIR: 'no/such/campaigns' });
    expect(fromEnv).toEqual({
      code: 2,
      stdout: '',
      stderr: 'cartflow: no such folder: no/such/campaigns (set CAMPAIGNS_DIR or pass a folder)\n',
    });
    const fromArgument = await runCartflow(['campaigns', 'check', 'elsewhere'], quiet);
    expect(fromArgument.code).toBe(2);
    expect(fromArgument.stderr).toBe('cartflow: no such folder: elsewhere (set CAMPAIGNS_DIR or pass a folder)\n');
  });

  it('checks the folder in CAMPAIGNS_DIR: a broken one is exit code 1 naming file, line and field', async () => {
    const broken = await runCartflow(['campaigns', 'check'], { ...quiet, CAMPAIGNS_DIR: brokenFolder });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`${brokenFolder}/b2c-cart.v1.yaml:11: quiet_hours: unknown field`);
    expect(broken.stderr).not.toMatch(STACK);
  });

  it('checks the templates as the start does: a missing template or subject line is exit code 1 naming file, line and field', async () => {
    const folder = 'test/fixtures/campaigns-bad/templates';
    const checked = await runCartflow(['campaigns', 'check', folder], quiet);
    expect(checked).toMatchObject({ code: 1, stdout: '' });
    expect(checked.stderr).toContain(
      `${folder}/subject-test.v1.yaml:16: steps[0].variants[1].subjectLine: no line 3: templates/cart-reminder/subject.hbs has 2 lines`,
    );
    expect(checked.stderr).toContain(
      `${folder}/subject-test.v1.yaml:19: steps[1].template: no template "cart-incentiv"`,
    );
    expect(checked.stderr).not.toMatch(STACK);
  });

  it('a folder argument wins over CAMPAIGNS_DIR; the shipped campaigns are ok', async () => {
    const shipped = await runCartflow(['campaigns', 'check', 'campaigns'], { ...quiet, CAMPAIGNS_DIR: brokenFolder });
    expect(shipped).toMatchObject({ code: 0, stderr: '' });
    expect(shipped.stdout).toMatch(/^checked campaigns\n/);
    expect(shipped.stdout).toMatch(/^ok {2}cart\.abandoned +priority +100 {2}b2c-cart v1/m);
  });

  it('the npm alias runs the same command', async () => {
    const alias = await runProcess('npm', ['run', '--silent', 'campaigns:check', '--', 'campaigns'], quiet);
    expect(alias).toMatchObject({ code: 0, stderr: '' });
    expect(alias.stdout).toMatch(/^checked campaigns\n/);
  });
});

// The process tests spawn these files directly (test/fixtures/worker-process.ts); they parse
// their (empty) command line the same way.
describe.each([
  ['cli/start.ts', 'cartflow start'],
  ['worker.ts', 'cartflow worker'],
  ['server/main.ts', 'cartflow server'],
])('%s, run directly', (script, name) => {
  const direct = (args: string[]) =>
    runProcess(process.execPath, ['--import', 'tsx', path.join(repositoryRoot, script), ...args], quiet);

  it('answers --help without starting anything', async () => {
    const help = await direct(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(new RegExp(`^Usage: ${name} `));
  });

  it('refuses an unknown flag as a usage error, with no stack trace', async () => {
    const wrong = await direct(['--no-such-flag']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^error: unknown option '--no-such-flag'/);
    expect(wrong.stderr).not.toMatch(STACK);
  });
});
