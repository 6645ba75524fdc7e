import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { stackTracesWanted } from '../config/env';
import { isDatabaseUnavailable } from '../db/unavailable';
import { EXIT_FAILED, EXIT_USAGE } from './exit-codes';

/** True when the module at `moduleUrl` is the script node/tsx was started with. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(path.resolve(script)).href === moduleUrl;
}

// Errors whose message already says what to do: shown as one line, never with a stack.
const REFUSALS = [
  'ConfigError',
  'CampaignFileError',
  'DatabaseInUseError',
  'MigrationError',
  'TemplateError',
  'UsageError',
  'UnknownShopError',
];
// A bad option value found after commander parsed it (a date range, an unknown campaign id), or
// one whose text commander must not echo (cli/usage-error.ts).
const BAD_INPUT = ['ReportInputError', 'OptionValueError'];

/**
 * Prints an error the way every cartflow command does and returns its exit code: a refusal or a
 * bad value is one actionable line; anything else is reported with its root cause (the stack only
 * with LOG_LEVEL=debug).
 */
export function reportError(error: unknown): number {
  const name = error instanceof Error ? error.name : '';
  if (error instanceof Error && (REFUSALS.includes(name) || BAD_INPUT.includes(name))) {
    process.stderr.write(`cartflow: ${error.message}\n`);
    return BAD_INPUT.includes(name) ? EXIT_USAGE : EXIT_FAILED;
  }
  // "connect ECONNREFUSED 127.0.0.1:5432" alone does not say it was the database, nor what to check.
  const failure = isDatabaseUnavailable(error)
    ? `cannot reach the database: ${rootCause(error)}; check that PostgreSQL runs and that DATABASE_URL is right`
    : `failed: ${rootCause(error)}`;
  process.stderr.write(`cartflow: ${failure}\n`);
  if (stackTracesWanted()) process.stderr.write(`${(error as Error)?.stack}\n`);
  return EXIT_FAILED;
}

/** Ends a process on an error, printed by `reportError`. */
export function exitWithError(error: unknown): never {
  process.exit(reportError(error));
}

/** Library errors wrap the useful part (drizzle: "Failed query…", cause: "connect ECONNREFUSED…"). */
function rootCause(error: unknown): string {
  let current = error as { message?: string; cause?: unknown } | undefined;
  while (current?.cause instanceof Error) current = current.cause;
  return current?.message ?? String(error);
}

/**
 * For the long-running entry points still started directly as scripts by the process tests
 * (worker.ts, server/main.ts, cli/start.ts): answers `--help`, and refuses any argument with a
 * usage line before anything starts. `cartflow <command>` parses through cli/cartflow.ts instead.
 */
export function parseNoArguments({ name, description }: { name: string; description: string }): void {
  new Command(name)
    .description(description)
    .addHelpText('after', '\nConfigured by environment variables only: see docs/cli.md and .env.example.')
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
    .parse(process.argv);
}
