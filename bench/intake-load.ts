import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { signatureHeader } from '../signing/webhook-signature';
import { benchNumber, requiredBenchVariable } from './bench-env';

// The shop side of `npm run bench:intake`, in its own process so that building, signing and
// timing requests does not share the server's event loop. Posts signed cart.updated webhooks
// with CONCURRENCY in flight for DURATION_MS to URL, then prints one JSON line: every latency in
// ms, the count of each status, and the CPU this process used (the shop's own cost: on a 2-core
// box it is taken from the server it measures).

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

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
let sequence = 0;

function body(): string {
  const n = sequence++;
  return JSON.stringify({
    id: `evt-${runId}-${n}`,
    type: 'cart.updated',
    data: {
      id: `${runId}-${n}`,
      currency: 'EUR',
      items: [
        { sku: 'TEE-BLK-M', name: 'Organic cotton T-shirt', quantity: 2, unitPrice: '19.90' },
        { sku: 'MUG-01', name: 'Enamel mug', quantity: 1, unitPrice: '12.50' },
      ],
      total: '52.30',
      recoveryUrl: 'https://shop.example.com/cart/recover?token=t0k3n',
      customer: { email: `c-${n}-${runId}@bench.example.com`, name: "Zoë O'Brien & Søn", marketingConsent: true },
      updatedAt: new Date().toISOString(),
    },
  });
}

function post(): Promise<number> {
  const raw = body();
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(raw),
          'cartflow-signature': signatureHeader({ secret, body: raw, timestampSeconds: Math.floor(Date.now() / 1000) }),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(raw);
  });
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
agent.destroy();
