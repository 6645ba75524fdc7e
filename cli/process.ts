import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';

/** True when the module at `moduleUrl` is the script node/tsx was started with. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(path.resolve(script)).href === moduleUrl;
}

/**
 * Ends an entry point on an error: a configuration problem is one actionable line; anything else
 * is reported with its message (the stack only with LOG_LEVEL=debug).
 */
export function exitWithError(error: unknown): never {
  // Bad configuration, campaign files, or a database another process holds: the message says what to do.
  const isConfigError =
    error instanceof Error && ['ConfigError', 'CampaignFileError', 'DatabaseInUseError'].includes(error.name);
  const message = isConfigError ? (error as Error).message : `failed to start: ${rootCause(error)}`;
  process.stderr.write(`cartflow: ${message}\n`);
  if (!isConfigError && process.env.LOG_LEVEL === 'debug') process.stderr.write(`${(error as Error)?.stack}\n`);
  process.exit(1);
}

/** Library errors wrap the useful part (drizzle: "Failed query…", cause: "connect ECONNREFUSED…"). */
function rootCause(error: unknown): string {
  let current = error as { message?: string; cause?: unknown } | undefined;
  while (current?.cause instanceof Error) current = current.cause;
  return current?.message ?? String(error);
}

/**
 * For entry points configured only by the environment: answers `--help`, and refuses any argument
 * with a usage line (exit code 1) before anything starts.
 */
export function parseNoArguments({ name, description }: { name: string; description: string }): void {
  new Command(name)
    .description(description)
    .addHelpText('after', '\nConfigured by environment variables only: see .env.example and README.md.')
    .showHelpAfterError()
    .parse(process.argv);
}

/**
 * `templates spam x.eml | head` closes stdout before the output is written: stop quietly, as a Unix
 * tool stops on SIGPIPE, instead of an unhandled EPIPE stack trace. Other write errors still throw.
 */
export function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}
