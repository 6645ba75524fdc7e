import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config/env';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createLogger } from '../config/logger';
import { DEFAULT_TIME_SCALE } from '../demo/demo-campaigns';
import { type DemoOptions, DemoRunError, DemoStoppedError, runDemo } from '../demo/run-demo';
import { exitWithError, isMain } from '../app/process';
import { onShutdownSignals } from '../app/shutdown';

// `cartflow demo [--customers 300] [--seed 1] [--exit]` (`npm run demo`): a simulated shop on the embedded stack,
// ending with the campaign report (docs/demo.md). This file reads the options; demo/ does the rest.

interface DemoCliOptions {
  customers: number;
  seed: number;
  scale: number;
  dir: string;
  exit?: boolean;
  temporalAddress?: string;
  databaseUrl?: string;
  taskQueue?: string;
}

const wholeNumber =
  (name: string, { min, max }: { min: number; max: number }) =>
  (value: string) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
    }
    return parsed;
  };

const postgresUrl = (value: string) => {
  if (!/^postgres(ql)?:\/\/./.test(value)) {
    throw new InvalidArgumentError('--database-url must be a postgres:// or postgresql:// URL');
  }
  return value;
};

export function demoProgram(): Command {
  return new Command('demo')
    .description(
      'a simulated shop on the embedded stack: carts, emails, opens, clicks and orders through the real ' +
        'webhooks, worker and Temporal, with 72 campaign hours in about a minute; ends with the campaign report',
    )
    .addOption(
      new Option('-n, --customers <count>', 'simulated customers (one cart each)')
        .argParser(wholeNumber('--customers', { min: 1, max: 5_000 }))
        .default(200),
    )
    .addOption(
      new Option('--seed <number>', 'the same seed simulates the same shop')
        .argParser(wholeNumber('--seed', { min: 0, max: 2 ** 32 - 1 }))
        .default(1),
    )
    .addOption(
      new Option('--scale <factor>', 'campaign time per real time (4320: 72 h in 60 s)')
        .argParser(wholeNumber('--scale', { min: 1, max: 100_000 }))
        .default(DEFAULT_TIME_SCALE),
    )
    .option('--dir <folder>', 'where each run gets a fresh folder of its own', '.demo')
    .option('--exit', 'end after the report (the default when output is not a terminal)')
    .option('--temporal-address <host:port>', 'use this Temporal server instead of starting the embedded one')
    .addOption(
      new Option('--database-url <url>', 'use this PostgreSQL database instead of PGlite in the run folder').argParser(
        postgresUrl,
      ),
    )
    .option('--task-queue <name>', "the worker's task queue (default: one per run)")
    .showHelpAfterError('(run with --help for usage)')
    .action(async (cli: DemoCliOptions) => {
      const config = loadConfig();
      // The progress bar and the report are the output: logs only for errors, unless LOG_LEVEL asks for more.
      const logger = createLogger(config.LOG_LEVEL === 'info' ? 'error' : config.LOG_LEVEL);
      installQuietRuntime(logger);
      const options: DemoOptions = {
        customers: cli.customers,
        seed: cli.seed,
        scale: cli.scale,
        dir: cli.dir,
        temporalAddress: cli.temporalAddress,
        databaseUrl: cli.databaseUrl,
        taskQueue: cli.taskQueue,
        keepRunning: !cli.exit && process.stdout.isTTY === true,
      };
      // One Ctrl-C stops the demo cleanly (during the run, or after the report); tsx's relayed copy
      // of it is not a second one (cli/shutdown.ts).
      const stopped = new Promise<void>((resolve) => onShutdownSignals({ logger, graceMs: 10_000, begin: resolve }));
      try {
        await runDemo(options, { config, logger, stdout: process.stdout, stopped });
      } catch (error) {
        if (!(error instanceof DemoStoppedError || error instanceof DemoRunError)) throw error;
        process.stderr.write(`cartflow demo: ${error.message}\n`);
        process.exit(error instanceof DemoStoppedError ? 130 : 1);
      }
      // The stack is closed: leave even if a library still holds a timer.
      process.exit(0);
    });
}

/**
 * Temporal's logs, the native core's included, into the demo's logger at its level. Unlike
 * installTemporalRuntime (config/logger.ts), the core's warnings are forwarded too: printed, they
 * would cut through the progress bar (on a busy machine: "Activity not found on completion").
 */
function installQuietRuntime(logger: Logger): void {
  const temporal = logger.child({ component: 'temporal' });
  const level = logger.levelVal <= 30 ? 'INFO' : logger.levelVal <= 40 ? 'WARN' : 'ERROR';
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(level, ({ level: entryLevel, message, meta }) => {
      const method = entryLevel === 'ERROR' ? 'error' : entryLevel === 'WARN' ? 'warn' : 'info';
      temporal[method](meta ?? {}, message);
    }),
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
  });
}

if (isMain(import.meta.url)) demoProgram().parseAsync(process.argv).catch(exitWithError);
