import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { root, shell } from './chains-support';
import { childBenchEnv } from './bench-env';
import {
  type BenchOutcome,
  type Machine,
  generatedSection,
  replaceGeneratedSection,
  resultsDocument,
  runHeader,
} from './run-report';

// `npm run bench`: every benchmark of the registry below, one after the other, each in a child
// process of its own (one bench's servers and memory do not disturb the next). Their whole output
// goes to bench/results/<date>.md; a full run also rewrites the generated section of BENCHMARKS.md
// (its tables, between the bench:generated markers), leaving the hand-written sections alone.
//   --only render,smtp   only these benches (names from the registry)
//   --quick              reduced sizes: a smoke test; writes the results file, not BENCHMARKS.md
//   --results-dir DIR    where the results file goes (default bench/results)

interface Bench {
  name: string;
  script: string;
  /** Arguments and environment of a full run (the bench's own defaults when empty). */
  full: { args?: string[]; env?: Record<string, string> };
  quick: { args?: string[]; env?: Record<string, string> };
}

/** The benches `npm run bench` knows. Adding one is one entry here. */
const registry: Bench[] = [
  { name: 'render', script: 'bench/render.ts', full: {}, quick: { env: { ROUNDS: '50' } } },
  {
    name: 'chains',
    script: 'bench/chains.ts',
    full: {},
    quick: { env: { CARTS: '20', PARKED: '400', PARKED_BUDGET_S: '60' } },
  },
  // A short intake run in quick mode: DURATION_S and CONCURRENCY are bench/intake.ts's own knobs.
  { name: 'intake', script: 'bench/intake.ts', full: {}, quick: { env: { DURATION_S: '3', CONCURRENCY: '8' } } },
  { name: 'smtp', script: 'bench/smtp.ts', full: {}, quick: { args: ['--quick'] } },
  {
    name: 'report',
    script: 'bench/report.ts',
    full: {},
    quick: { args: ['--messages', '20000', '--reps', '2', '--writes', '200', '--orders', '50'] },
  },
];

const { values: options } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'results-dir': { type: 'string', default: path.join(root, 'bench', 'results') },
  },
});

function selectBenches(only: string | undefined): Bench[] {
  if (!only) return registry;
  const names = only
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !registry.some((bench) => bench.name === name));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(
      `--only: unknown bench ${unknown.map((name) => `"${name}"`).join(', ') || '(none given)'}; known: ${registry.map((bench) => bench.name).join(', ')}`,
    );
  }
  return registry.filter((bench) => names.includes(bench.name));
}

/** Runs one bench with `tsx` in a child process; its stdout is the result, stderr its progress. */
async function runBench(bench: Bench, quick: boolean): Promise<BenchOutcome> {
  const { args = [], env = {} } = quick ? bench.quick : bench.full;
  const command = [
    ...Object.entries(env).map(([key, value]) => `${key}=${value}`),
    'npx tsx',
    bench.script,
    ...args,
  ].join(' ');
  process.stderr.write(`bench ${bench.name}: ${command} …\n`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', bench.script, ...args], {
    cwd: root,
    env: childBenchEnv({ ...env, ...(quick ? { BENCH_QUICK: '1' } : {}) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.length > 1_000_000) stderr = stderr.slice(-200_000);
  });
  const exitCode = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `bench ${bench.name}: ${exitCode === 0 ? 'done' : `FAILED (exit ${exitCode})`} in ${seconds.toFixed(0)} s\n`,
  );
  return {
    name: bench.name,
    command,
    seconds,
    exitCode,
    stdout,
    ...(exitCode === 0 ? {} : { stderrTail: stderr.split('\n').slice(-40).join('\n') }),
  };
}

async function main() {
  const benches = selectBenches(options.only);
  const quick = options.quick ?? false;
  const machine: Machine = {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: os.cpus().length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    load: os.loadavg(),
  };
  const dirty = (await shell('git status --porcelain --untracked-files=no').catch(() => ''))
    ? ' (with uncommitted changes)'
    : '';
  const commit = `${await shell('git rev-parse --short HEAD').catch(() => 'unknown')}${dirty}`;
  const startedAt = new Date();
  const outcomes: BenchOutcome[] = [];
  for (const bench of benches) outcomes.push(await runBench(bench, quick));

  const header = runHeader({ date: startedAt.toISOString(), commit, machine, quick });
  const resultsDir = path.resolve(options['results-dir'] ?? '');
  await mkdir(resultsDir, { recursive: true });
  const stamp = startedAt
    .toISOString()
    .replace(/:\d\d\.\d+Z$/, '')
    .replace(':', '');
  const resultsFile = path.join(resultsDir, `${stamp}${quick ? '-quick' : ''}.md`);
  await writeFile(resultsFile, resultsDocument(header, outcomes));
  process.stderr.write(`results: ${path.relative(process.cwd(), resultsFile)}\n`);
  if (!quick) {
    const benchmarksFile = path.join(root, 'BENCHMARKS.md');
    const section = generatedSection({ header, resultsLink: path.relative(root, resultsFile), outcomes });
    await writeFile(benchmarksFile, replaceGeneratedSection(await readFile(benchmarksFile, 'utf8'), section));
    process.stderr.write('BENCHMARKS.md: generated section updated\n');
  }
  const failed = outcomes.filter((outcome) => outcome.exitCode !== 0);
  if (failed.length > 0) {
    process.stderr.write(`failed: ${failed.map((outcome) => outcome.name).join(', ')} (see ${resultsFile})\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`npm run bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
