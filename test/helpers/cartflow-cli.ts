import { execFile } from 'node:child_process';
import path from 'node:path';
import { minimalEnv } from './test-env';

export const repositoryRoot = path.resolve(import.meta.dirname, '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cartflow <args>` as a process, through bin/cartflow.js as `npm run` and `npx cartflow`
 * do, in the repository. `env` replaces the environment (PATH and HOME are kept).
 */
export function runCartflow(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runProcess(process.execPath, ['bin/cartflow.js', ...args], env);
}

/** Runs a program in the repository and resolves with its exit code and output (never rejects). */
export function runProcess(
  file: string,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { cwd: repositoryRoot, env: { PATH: minimalEnv().PATH, HOME: minimalEnv().HOME, ...env }, timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
