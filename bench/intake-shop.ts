import { spawn } from 'node:child_process';
import path from 'node:path';
import { childBenchEnv } from './bench-env';
import { root } from './chains-support';
import type { LoadReport } from './intake-load';

export interface ShopRun {
  url: string;
  secret: string;
  concurrency: number;
  durationMs: number;
  /** Keeps each run's event ids apart: the same id with another body is a 409. */
  runId: string;
}

/** bench/intake-load.ts in a process of its own (so it does not share the server's event loop); its report. */
export function runShop({ url, secret, concurrency, durationMs, runId }: ShopRun): Promise<LoadReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/intake-load.ts')], {
    cwd: root,
    env: childBenchEnv({
      URL: url,
      SECRET: secret,
      CONCURRENCY: String(concurrency),
      DURATION_MS: String(durationMs),
      RUN_ID: runId,
    }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as LoadReport)
        : reject(new Error(`shop exited ${code}`)),
    ),
  );
}
