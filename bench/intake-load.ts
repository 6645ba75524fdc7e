import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { signatureHeader } from '../signing/webhook-signature';
import { benchNumber, requiredBenchVariable } from './bench-env';
import { cartUpdatedBody } from './intake-body';

// The shop side of `npm run bench:intake`, in its own process so that building, signing and
// timing requests does not share the server's event loop. Posts signed cart.updated webhooks
// with CONCURRENCY in flight for DURATION_MS to URL, then prints one JSON line: every latency in
// ms, the count of each status, and the CPU this process used (the shop's own cost: on a 2-core
// box it is taken from the server it measures).
//
// The shop is the bench's load, not the product, so it is kept cheap: undici's Pool over
// CONCURRENCY keep-alive connections (node:http's request, agent and IncomingMessage per webhook
// cost about as much CPU as the server's whole answer), and each body is the same template with
// its own event id, cart id and address filled in. Every event is still unique and signed with
// its own HMAC at send time.

export interface LoadReport {
  latenciesMs: number[];
  statuses: Record<string, number>;
  elapsedMs: number;
  /** This process's CPU (user + system) while it sent. */
  cpuMs: number;
}

const url = new URL(required('URL'));
const secret = required('SECRET');
const concurrency = benchNumber('CONCURRENCY', 32);
const durationMs = benchNumber('DURATION_MS', 15_000);
const runId = required('RUN_ID');

function required(name: string): string {
  return requiredBenchVariable(name, 'bench/intake-load');
}

const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1 });
let sequence = 0;

async function post(): Promise<number> {
  const raw = cartUpdatedBody(runId, sequence++);
  const response = await pool.request({
    path: url.pathname,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'cartflow-signature': signatureHeader({ secret, body: raw, timestampSeconds: Math.floor(Date.now() / 1000) }),
    },
    body: raw,
  });
  await response.body.dump();
  return response.statusCode;
}

const latenciesMs: number[] = [];
const statuses: Record<string, number> = {};
const started = performance.now();
const cpu0 = process.cpuUsage();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() - started < durationMs) {
      const sent = performance.now();
      const status = await post().catch(() => 'error');
      latenciesMs.push(performance.now() - sent);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
const report: LoadReport = {
  latenciesMs,
  statuses,
  elapsedMs: performance.now() - started,
  cpuMs: (cpu.user + cpu.system) / 1000,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
await pool.close();
