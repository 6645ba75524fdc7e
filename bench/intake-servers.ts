import cluster from 'node:cluster';
import { serve } from '@hono/node-server';
import pino from 'pino';
import { requiredBenchVariable } from './bench-env';
import { createBenchApp } from './bench-app';
import { openIntakeChild } from './intake-child';

// The HTTP side of `npm run bench:intake`'s optional last phase (SERVER_PROCESSES=N, N > 1): N
// server processes on one port, as a shop runs several stateless cartflow servers (docs/production.md, scale-out)
// — here with node:cluster, whose primary hands each new connection to one of them. Each is the
// production createApp with OUTBOX_RELAY=off (a relay runs in a process of its own beside them).
// The primary prints `READY <port>` once every server listens and stops them when its stdin closes;
// the bench reads their CPU from /proc (the primary's process tree).

const required = (name: string) => requiredBenchVariable(name, 'bench/intake-servers');

if (cluster.isPrimary) {
  const count = Number(required('SERVER_PROCESSES'));
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === count) process.stdout.write(`READY ${address.port}\n`);
  });
  cluster.on('exit', (_worker, code) => {
    if (code !== 0 && code !== null) process.exit(1);
  });
  for (let i = 0; i < count; i += 1) cluster.fork();
  await new Promise((resolve) => process.stdin.on('end', resolve).resume());
  cluster.removeAllListeners('exit');
  for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGKILL');
  process.exit(0);
} else {
  const logger = pino({ level: 'warn' });
  const { database, workflows } = await openIntakeChild('bench/intake-servers');
  const app = createBenchApp({
    db: database.db,
    workflows,
    relay: { wake() {} },
    shopId: required('SHOP_ID'),
    secret: required('SECRET'),
    logger,
  });
  // Port 0 in a cluster: the primary picks one port and every server shares it.
  serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
}
