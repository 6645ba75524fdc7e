import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchNumber, childBenchEnv } from './bench-env';

// `cartflow bench cli`: wall time of `cartflow --help` (the root imports only the command
// registry) against the same process importing every command module up front, the way a CLI
// with static imports would start, and against `tsx cli/templates.ts`-style starts through the
// tsx CLI (two processes). Alternating runs, so load on the machine hits every variant alike.
// RUNS=… sets the runs per variant.

const root = path.resolve(import.meta.dirname, '..');
const runs = benchNumber('RUNS', 15);
const tsx = path.join(root, 'node_modules/.bin/tsx');

const eagerScript = `
  const { COMMANDS } = await import('./cli/command-registry.ts');
  await Promise.all(COMMANDS.map((command) => command.load()));
`;

const variants: Record<string, [string, string[]]> = {
  'cartflow --help (lazy: registry only)': [process.execPath, ['bin/cartflow.js', '--help']],
  'cartflow templates --help (loads one command)': [process.execPath, ['bin/cartflow.js', 'templates', '--help']],
  'baseline: every command imported up front': [
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', eagerScript],
  ],
  'baseline: tsx CLI, bare node start of a .ts file': [tsx, ['-e', '0']],
};

const timings = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]));
for (let run = 0; run < runs; run++) {
  for (const [name, [file, args]] of Object.entries(variants)) {
    const start = performance.now();
    const result = spawnSync(file, args, { cwd: root, env: childBenchEnv({ LOG_LEVEL: 'silent' }) });
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr.toString()}`);
    timings.get(name)!.push(performance.now() - start);
  }
}

const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
process.stdout.write(`${runs} runs per variant, alternating\n`);
for (const [name, samples] of timings) {
  const sorted = [...samples].sort((a, b) => a - b);
  process.stdout.write(
    `${name.padEnd(52)} median ${at(sorted, 0.5).toFixed(0).padStart(5)} ms   p90 ${at(sorted, 0.9).toFixed(0).padStart(5)} ms\n`,
  );
}
