import { spawn } from 'node:child_process';
import path from 'node:path';
import { benchVariable, childBenchEnv } from './bench-env';
import { root } from './chains-support';
import type { LoadReport } from './load-report';

export interface ShopRun {
  url: string;
  secret: string;
  concurrency: number;
  durationMs: number;
  /** Keeps each run's event ids apart: the same id with another body is a 409. */
  runId: string;
}

/**
 * The load generators: `undici` signs each webhook as it sends it through undici (a shop as a
 * Node.js program would post), `presigned` signs them all before the clock starts and writes bytes
 * to sockets (a load generator in the manner of wrk, cheap enough to leave the 2 cores to the
 * server and PostgreSQL). SHOP= picks one; default undici.
 */
export const shops = { undici: 'bench/intake-load.ts', presigned: 'bench/intake-load-presigned.ts' } as const;
export type ShopKind = keyof typeof shops;

/** SHOP=undici|presigned, or both when SHOP=both (for benches that alternate them). */
export function shopKinds(): ShopKind[] {
  const chosen = benchVariable('SHOP') ?? 'undici';
  if (chosen === 'both') return ['undici', 'presigned'];
  if (chosen in shops) return [chosen as ShopKind];
  throw new Error(`SHOP=${chosen}: expected undici, presigned or both`);
}

/** A shop (default SHOP's first) in a process of its own (so it does not share the server's event loop); its report. */
export function runShop(
  { url, secret, concurrency, durationMs, runId }: ShopRun,
  kind: ShopKind = shopKinds()[0]!,
): Promise<LoadReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, shops[kind])], {
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
