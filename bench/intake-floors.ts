import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import postgres from 'postgres';
import { openDatabase } from '../db/client';
import { createGroupCommit } from '../db/group-commit';
import { CartEvent } from '../domain/events';
import { limitedRawBody } from '../server/raw-body';
import { securityHeaders } from '../server/security-headers';
import { benchNumber, machineLine } from './bench-env';
import { freePort, script } from './chains-support';
import { cpuMeter, postmasterOf } from './process-cpu';
import { runShop } from './intake-shop';

// `node --import tsx bench/intake-floors.ts`: what parts of a webhook cost on their own, in this
// process's CPU per request or event, to tell where the server's CPU per webhook goes
// (BENCHMARKS.md, "Where the 2 cores go"):
//   1. HTTP alone: bench/intake-load.ts against a node:http server that reads the body, parses it
//      and answers a fixed 202, then against Hono on @hono/node-server doing the same with the
//      app's body reader and security headers (the difference is the framework's share);
//   2. the store alone: zod's CartEvent and the app's group commit on a throwaway durable
//      PostgreSQL, CONCURRENCY events in flight, no HTTP; with PostgreSQL's own CPU per event (its
//      postmaster and backends, from /proc).
// Each runs twice (the first includes warming up). DURATION_S=6 seconds each, CONCURRENCY=32.

const DURATION_MS = benchNumber('DURATION_S', 6) * 1000;
const CONCURRENCY = benchNumber('CONCURRENCY', 32);
const answer = JSON.stringify({ status: 'accepted', eventId: 'evt-x', workflowId: 'cart:x:y' });

async function httpFloor(label: string, server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cpu0 = process.cpuUsage();
  const shop = await runShop({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/cart`,
    secret: 'unchecked-here',
    concurrency: CONCURRENCY,
    durationMs: DURATION_MS,
    runId: `floors-${Date.now().toString(36)}`,
  });
  const cpu = process.cpuUsage(cpu0);
  await new Promise((resolve) => server.close(resolve));
  const answered = shop.statuses['202'] ?? 0;
  const perSecond = answered / (shop.elapsedMs / 1000);
  return `| ${label} | ${perSecond.toFixed(0)}/s | ${((cpu.user + cpu.system) / Math.max(1, answered)).toFixed(0)} µs | ${((shop.cpuMs * 1000) / Math.max(1, answered)).toFixed(0)} µs |`;
}

const nodeHttp = () =>
  http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString());
      response.writeHead(202, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' }).end(answer);
    });
  });

function honoServer(): http.Server {
  const app = new Hono();
  app.use('*', securityHeaders());
  app.post('/webhooks/cart', limitedRawBody({ maxSize: 256 * 1024, onError: (c) => c.json({}, 413) }), (c) => {
    JSON.parse(Buffer.from(c.get('rawBody')).toString());
    return c.json(JSON.parse(answer) as unknown, 202);
  });
  return createAdaptorServer({ fetch: app.fetch }) as http.Server;
}

async function storeFloor(): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-bench-floors-pg-'));
  const url = await script('test-postgres.sh', ['start', dir, String(await freePort())], {
    TEST_POSTGRES_DURABLE: '1',
  });
  const rows: string[] = [];
  try {
    const database = await openDatabase({ url });
    await database.migrate();
    const store = createGroupCommit({ db: database.db });
    // Any backend's parent is the postmaster, whose tree holds the group commit's connections.
    const admin = postgres(url, { max: 1 });
    const [backend] = await admin<Array<{ pid: number }>>`select pg_backend_pid() as pid`;
    // Read while the backend lives: once it exits /proc no longer names its parent.
    const postgresCpu = cpuMeter({ postgres: await postmasterOf(backend?.pid ?? 0) });
    await admin.end();
    let n = 0;
    for (const round of [1, 2]) {
      const first = n;
      await postgresCpu.start();
      const cpu0 = process.cpuUsage();
      const started = Date.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (Date.now() - started < DURATION_MS) {
            const i = n++;
            const payload = {
              id: `evt-floor-${i}`,
              type: 'cart.updated',
              data: {
                id: `cart-floor-${i}`,
                currency: 'EUR',
                items: [{ sku: 'TEE-BLK-M', name: 'Organic cotton T-shirt', quantity: 2, unitPrice: '19.90' }],
                total: '39.80',
                recoveryUrl: 'https://shop.example.com/cart/recover?token=t0k3n',
                customer: { email: `f-${i}@bench.example.com`, name: "Zoë O'Brien & Søn", marketingConsent: true },
                updatedAt: new Date().toISOString(),
              },
            };
            await store({ shopId: 'bench-floors', event: CartEvent.parse(payload), payload });
          }
        }),
      );
      const cpu = process.cpuUsage(cpu0);
      const { postgres: postgresMs } = await postgresCpu.since();
      const events = n - first;
      const postgresPerEvent = postgresMs === undefined ? 'n/a' : `${((postgresMs * 1000) / events).toFixed(0)} µs`;
      rows.push(
        `| store alone (zod + group commit + postgres.js), round ${round} | ${((events * 1000) / (Date.now() - started)).toFixed(0)}/s | ${((cpu.user + cpu.system) / events).toFixed(0)} µs; PostgreSQL ${postgresPerEvent} | |`,
      );
    }
    await database.close();
  } finally {
    await script('test-postgres.sh', ['stop', dir]);
  }
  return rows;
}

const rows = [
  await httpFloor('node:http, read + JSON.parse + fixed 202, round 1', nodeHttp()),
  await httpFloor('Hono on @hono/node-server, the app’s body reader and security headers, round 1', honoServer()),
  await httpFloor('node:http, round 2', nodeHttp()),
  await httpFloor('Hono on @hono/node-server, round 2', honoServer()),
  ...(await storeFloor()),
];
process.stdout.write(
  `${machineLine()}\n\n` +
    `| part | rate | this process's CPU per request / event | shop's CPU per request |\n|---|---:|---:|---:|\n${rows.join('\n')}\n`,
);
process.exit(0);
