import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { cartflowProgram } from '../../cli/cartflow';
import { COMMANDS } from '../../cli/command-registry';

// The root of `cartflow`, in process: only the registry is loaded (no command module), as for
// `cartflow --help`. test/integration/cli-entry-points.test.ts runs every command through the bin.

async function parse(args: string[]): Promise<{ error?: CommanderError; out: string; err: string }> {
  const output = { out: '', err: '' };
  const program = (await cartflowProgram(args)).configureOutput({
    writeOut: (text) => (output.out += text),
    writeErr: (text) => (output.err += text),
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return output;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { error, ...output };
  }
}

describe('cartflow (the root command)', () => {
  it('--help lists every registered command with its summary', async () => {
    const { error, out } = await parse(['--help']);
    expect(error?.exitCode).toBe(0);
    // The first words of each summary, on the command's line (help wraps long ones).
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const { name, summary } of COMMANDS) {
      expect(out).toMatch(new RegExp(`^  ${name} +${escape(summary.slice(0, 20))}`, 'm'));
    }
    expect(out).toContain('Exit codes: 0 ok, 1 a check failed');
  });

  it('registers each command once, under a name a shell can type', () => {
    const names = COMMANDS.map((command) => command.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z-]*$/);
  });

  it('an unknown command is refused naming it, with the closest command and where to look', async () => {
    const { error, err } = await parse(['templats']);
    expect(error?.code).toBe('commander.unknownCommand');
    expect(err).toBe(
      'error: unknown command \'templats\'\n(Did you mean templates?)\n(run "cartflow --help" for usage)\n',
    );
  });

  it('an unknown root option is refused naming it', async () => {
    const { error, err } = await parse(['--verbose']);
    expect(error?.code).toBe('commander.unknownOption');
    expect(err.split('\n')[0]).toBe("error: unknown option '--verbose'");
  });

  it('no command at all prints the help on stderr as an error', async () => {
    const { error, err } = await parse([]);
    expect(error?.exitCode).not.toBe(0);
    expect(err).toMatch(/^Usage: cartflow \[options\] \[command\]/);
  });
});

/** Helpers beside the commands. */
const NOT_COMMANDS = ['environment-help.ts'];

describe('the command registry', () => {
  const root = path.resolve(import.meta.dirname, '../..');

  it('registers every module of cli/commands/', async () => {
    const modules = (await readdir(path.join(root, 'cli/commands')))
      .filter((file) => file.endsWith('.ts') && !NOT_COMMANDS.includes(file))
      .map((file) => file.replace(/\.ts$/, ''));
    expect(COMMANDS.map((command) => command.name).sort()).toEqual(modules.sort());
  });

  it('every npm script that runs cartflow names a registered command; no script bypasses the CLI', async () => {
    const { scripts } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const names = COMMANDS.map((command) => command.name);
    for (const [script, line] of Object.entries(scripts)) {
      const alias = /^node bin\/cartflow\.js ([a-z-]+)/.exec(line);
      if (alias) expect(names, `npm run ${script}`).toContain(alias[1]);
      // Only developer tools run a file of their own (the replay recorder, drizzle-kit, the tests).
      else expect(line, `npm run ${script}`).not.toMatch(/^tsx (?!test\/)/);
    }
  });
});
