import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Argument, Command } from 'commander';

// The benchmarks of bench/ (figures in BENCHMARKS.md), each a script that configures itself from
// the environment. They run in a child process: they read their own argv and may fork workers.
const BENCHMARKS = {
  run: 'every benchmark below in turn, writing bench/results/<date>.md and BENCHMARKS.md (`npm run bench`; --only, --quick)',
  render: 'per-email render time: compiled once versus MJML per email',
  chains: 'reminder chains per second through Temporal, and memory with parked chains',
  report: 'the campaign report query on a seeded database',
  intake: 'webhook intake through the outbox beside the raw insert+commit rate; the relay to Temporal',
  'history-size': "workflow history and input size: every campaign in the input vs its own trigger's",
  smtp: 'emails/s through the pooled SMTP transport beside a new connection per email',
  'cli-startup': 'start-up time of `cartflow --help` against importing every command up front',
} as const;

export function command(): Command {
  const bench: Command = new Command('bench')
    .description('run a benchmark of bench/ (method and figures: BENCHMARKS.md)')
    .addArgument(new Argument('<name>', 'which benchmark').choices(Object.keys(BENCHMARKS)))
    .argument('[args...]', "the benchmark's own options")
    .passThroughOptions()
    .addHelpText(
      'after',
      `\nBenchmarks:\n${Object.entries(BENCHMARKS)
        .map(([name, what]) => `  ${name.padEnd(13)}${what}`)
        .join(
          '\n',
        )}\n\nSettings come from the environment (ROUNDS, CARTS, …) or options after the name (report: --messages,\n--reps, …), as the header comment of each bench/<name>.ts describes.`,
    )
    .action(async (name: keyof typeof BENCHMARKS, args: string[]) => {
      // The scripts have no help of their own (their options are in their header comment): a
      // --help after the name must not start a benchmark that runs for minutes.
      if (args.includes('--help') || args.includes('-h')) bench.help();
      const script = fileURLToPath(new URL(`../../bench/${name}.ts`, import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit' });
      // Ctrl-C reaches the benchmark directly (same process group); this process only waits for it.
      process.on('SIGINT', () => {});
      const code = await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (exitCode) => resolve(exitCode ?? 1));
      });
      process.exitCode = code;
    });
  return bench;
}
