import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// `npm run bench --quick --only smtp` as a developer runs it: a real SMTP server on loopback, real
// nodemailer transports, the runner's child process. Asserts what was written, not how fast it was.

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('npm run bench', () => {
  it('runs the smtp bench in quick mode and writes its table to the results file, not to BENCHMARKS.md', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-bench-results-'));
    dirs.push(dir);
    const before = await readFile(path.join(root, 'BENCHMARKS.md'), 'utf8');
    await run(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'smtp', '--results-dir', dir],
      {
        cwd: root,
      },
    );
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{4}-\d\d-\d\dT\d{4}-quick\.md$/);
    const results = await readFile(path.join(dir, files[0]!), 'utf8');
    expect(results).toContain('## smtp');
    expect(results).toMatch(/Machine: .+, \d+ cores, \d+ GiB RAM, Node v\d+/);
    expect(results).toMatch(/\| pooled: createSmtpMailer as the worker builds it .*\| 150 \| \*\*[\d,]+\*\* \|/);
    expect(results).toMatch(/\| baseline: new connection per email .*\| 100 \| \*\*[\d,]+\*\* \|/);
    expect(await readFile(path.join(root, 'BENCHMARKS.md'), 'utf8')).toBe(before);
  }, 240_000);

  it('names the benches it knows when --only asks for one it does not', async () => {
    const failure = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--only', 'smpt'], {
      cwd: root,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(/unknown bench "smpt"; known: render, chains, .*smtp/);
  });
});
