import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { signatureHeader } from '../signing/webhook-signature';
import { benchNumber, requiredBenchVariable } from './bench-env';
import { cartUpdatedBody } from './intake-body';
import { loadTally } from './load-report';

// The shop of the intake benches as a load generator in the manner of wrk (SHOP=presigned): every
// request (its own event id, cart and address, signed with its own HMAC, as bench/intake-load.ts
// sends) is built and signed BEFORE the clock starts, then written as bytes to CONCURRENCY
// keep-alive sockets, one request in flight on each; the answer is read no further than its status
// line and Content-Length. A shop runs on its own machines; on this 2-core box the load generator
// takes its CPU from the server and PostgreSQL it measures, so it should cost as little as a
// load generator can (bench/intake-load.ts with undici took a third of the budget: BENCHMARKS.md).
// Prints the same one-line JSON report.

const url = new URL(required('URL'));
const secret = required('SECRET');
const concurrency = benchNumber('CONCURRENCY', 32);
const durationMs = benchNumber('DURATION_MS', 15_000);
const runId = required('RUN_ID');
// More than the fastest server here can take in DURATION_MS; a run that uses them all says so.
const prebuilt = benchNumber('PRESIGNED_REQUESTS', Math.ceil((durationMs / 1000) * 20_000));

function required(name: string): string {
  return requiredBenchVariable(name, 'bench/intake-load-presigned');
}

const timestampSeconds = Math.floor(Date.now() / 1000);
const requests = Array.from({ length: prebuilt }, (_, n) => {
  const body = cartUpdatedBody(runId, n);
  const head =
    `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `Cartflow-Signature: ${signatureHeader({ secret, body, timestampSeconds })}\r\n\r\n`;
  return Buffer.from(head + body);
});

let next = 0;

/** One keep-alive connection sending requests one after the other until the time is up. */
function connection(tally: ReturnType<typeof loadTally>): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    let pending: Buffer = Buffer.alloc(0);
    let sentAt = 0;
    const send = () => {
      if (performance.now() - tally.started >= durationMs || next >= requests.length) {
        socket.end();
        return resolve();
      }
      sentAt = performance.now();
      socket.write(requests[next++]!);
    };
    socket.once('connect', send);
    socket.on('error', reject);
    // After the run's own end() this changes nothing (the promise is settled).
    socket.once('close', () => reject(new Error('the server closed a connection during the run')));
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const headEnd = pending.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = pending.subarray(0, headEnd).toString('latin1');
      const declared = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
      // The servers measured answer with a length; a chunked answer would be miscounted, so it stops the run.
      if (declared === undefined)
        return reject(new Error(`an answer without Content-Length: ${head.split('\r\n')[0]}`));
      const length = Number(declared);
      if (pending.length < headEnd + 4 + length) return;
      // One request in flight per socket: nothing follows the answer.
      pending = Buffer.alloc(0);
      tally.count(head.slice(9, 12), sentAt);
      send();
    });
  });
}

const tally = loadTally();
await Promise.all(Array.from({ length: concurrency }, () => connection(tally)));
if (next >= requests.length) {
  process.stderr.write(
    `bench/intake-load-presigned: all ${requests.length} requests were sent; raise PRESIGNED_REQUESTS\n`,
  );
}
tally.print();
