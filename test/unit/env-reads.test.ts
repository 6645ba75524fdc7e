import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * "One config module": only config/ reads the environment. Benchmarks and the test suite have
 * knobs of their own, each read in one named file.
 */

const root = path.resolve(import.meta.dirname, '../..');
const ALLOWED = [/^config\//, /^bench\/bench-env\.ts$/, /^test\/helpers\/test-env\.ts$/];
// Built from parts so this file does not match itself.
const ENV_READ = new RegExp(['process', 'env'].join('\\.'));

describe('environment reads', () => {
  it('happen only in config/, bench/bench-env.ts and test/helpers/test-env.ts', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean);
    const readers = files.filter(
      (file) =>
        !ALLOWED.some((allowed) => allowed.test(file)) && ENV_READ.test(readFileSync(path.join(root, file), 'utf8')),
    );
    expect(readers).toEqual([]);
  });
});
