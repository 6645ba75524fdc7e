import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { COMMANDS, type CommandEntry } from './command-registry';
import { EXIT_OK, EXIT_USAGE } from '../app/exit-codes';
import { reportError } from '../app/process';

// `cartflow <command>`: the one entry point (bin/cartflow.js runs it; the npm scripts are aliases).
// Only the command being run is imported: `cartflow --help` lists the others from the registry.

const EXIT_CODES_HELP = `
Exit codes: 0 ok, 1 a check failed or the operation was refused or failed, 2 usage error
(unknown command or option, missing argument, bad value).
Every command answers --help. Documentation: docs/cli.md`;

/** The command the arguments ask for (`cartflow help <name>` included); root options take no values. */
function requestedCommand(args: readonly string[]): CommandEntry | undefined {
  const operands = args.filter((arg) => !arg.startsWith('-'));
  const name = operands[0] === 'help' ? operands[1] : operands[0];
  return COMMANDS.find((entry) => entry.name === name);
}

/** The same error handling on every level: usage errors are thrown to `runCartflow`, with a hint. */
function configureTree(command: Command, path: string): void {
  command.exitOverride().showHelpAfterError(`(run "${path} --help" for usage)`);
  for (const sub of command.commands) configureTree(sub, `${path} ${sub.name()}`);
}

/** The root program, with the requested command built for real and the others as help-only stubs. */
export async function cartflowProgram(args: readonly string[]): Promise<Command> {
  const program = new Command('cartflow')
    .description('cartflow: abandoned-cart and email-marketing automation on Temporal')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpCommand('help [command]', 'show help for a command')
    .enablePositionalOptions()
    .addHelpText('after', EXIT_CODES_HELP);
  const requested = requestedCommand(args);
  for (const entry of COMMANDS) {
    const command = entry === requested ? await entry.load() : new Command(entry.name);
    if (command.name() !== entry.name) {
      throw new Error(`cli/command-registry.ts: "${entry.name}" loads a command named "${command.name()}"`);
    }
    program.addCommand(command.summary(entry.summary));
  }
  configureTree(program, 'cartflow');
  return program;
}

function packageVersion(): string {
  const file = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * Runs `cartflow` with the arguments after the program name and returns the exit code (for a
 * long-running command, once it is up). Errors are printed here, as one line; never a stack trace.
 */
export async function runCartflow(args: readonly string[]): Promise<number> {
  const operands = args.filter((arg) => !arg.startsWith('-'));
  if (operands[0] === 'help' && operands[1] !== undefined && !requestedCommand(args)) {
    // Commander would print the whole help as an error without naming what was not found.
    process.stderr.write(`error: unknown command '${operands[1]}'\n(run "cartflow --help" for usage)\n`);
    return EXIT_USAGE;
  }
  try {
    const program = await cartflowProgram(args);
    await program.parseAsync([...args], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    // Commander printed the message (and the hint) already; help and --version end here too.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    return reportError(error);
  }
}
