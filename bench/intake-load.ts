import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { signatureHeader } from '../signing/webhook-signature';
import { benchNumber, requiredBenchVariable } from './bench-env';
import { cartUpdatedBody } from './intake-body';
import { loadTally } from './load-report';

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

const tally = loadTally();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() - tally.started < durationMs) {
      const sent = performance.now();
      tally.count(String(await post().catch(() => 'error')), sent);
    }
  }),
);
tally.print();
await pool.close();
