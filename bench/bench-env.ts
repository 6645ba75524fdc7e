import os from 'node:os';

/**
 * The benchmarks' own knobs (CARTS, ROUNDS, BENCH_*…) and the environment their child processes
 * inherit. Benchmarks are not cartflow processes, so they do not go through config/env.ts; this
 * file is the one place in bench/ that reads process.env (a unit test checks that).
 */

/** A variable as text, or undefined when unset or empty. */
export function benchVariable(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** A numeric knob with its default. */
export function benchNumber(name: string, fallback: number): number {
  return Number(benchVariable(name) ?? fallback);
}

/** A variable a forked bench process cannot run without. */
export function requiredBenchVariable(name: string, owner: string): string {
  const value = benchVariable(name);
  if (!value) throw new Error(`${owner}: ${name} is not set`);
  return value;
}

/** This process's environment plus `overrides`, for a child process. */
export function childBenchEnv(overrides: Record<string, string>): Record<string, string | undefined> {
  return { ...process.env, ...overrides };
}

/** "AMD EPYC, 2 cores; load average 1.20 0.90 0.80; 2026-11-30T15:00:00.000Z": the head of a bench's output. */
export function machineLine(): string {
  const load = os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  return `${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores; load average ${load}; ${new Date().toISOString()}`;
}
