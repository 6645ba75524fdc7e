import { performance } from 'node:perf_hooks';
import { cartSearchAttributeKeys } from '../app/search-attributes';
import { startTemporalDevServer } from '../app/temporal-dev-server';
import { benchNumber } from './bench-env';
import { script, sleep } from './chains-support';
import { cpuMeter } from './process-cpu';

// `node --import tsx bench/temporal-start-cost.ts`: what the Temporal dev server (SQLite, one
// history shard, as bench:intake starts it) spends per workflow start, and whether it keeps
// working after starts that no worker picks up, as bench:intake's phases leave them:
//   idle on a fresh server; 500 starts paced at 50/s (the relays' OUTBOX_BUSY_RATE); STARTS
//   (10,000) as fast as 32 in flight go (bench:intake's drain); idle after them; 500 paced starts
//   again on the same task queue (its backlog now STARTS tasks long) and on a new one.
// Linux only (the server's CPU is read from /proc). IDLE_S=10 seconds per idle window.

const STARTS = benchNumber('STARTS', 10_000);
const IDLE_MS = benchNumber('IDLE_S', 10) * 1000;

// Started as bench:intake starts it (app/temporal-dev-server.ts), so its pid is at hand.
const env = await startTemporalDevServer({
  binary: await script('temporal-cli.sh'),
  searchAttributes: cartSearchAttributeKeys,
  sqlitePragmas: { journal_mode: 'WAL', synchronous: 'OFF' },
  logLevel: 'error',
  startTimeoutMs: 120_000,
});
const meter = cpuMeter({ temporal: env.pid });
const rows: string[] = [];
let sequence = 0;

function start(taskQueue: string) {
  // No worker polls these queues: the workflow task waits, as in bench:intake.
  return env.client.workflow.start('abandonedCartWorkflow', { workflowId: `w-${sequence++}`, taskQueue, args: [{}] });
}

async function idle(label: string): Promise<void> {
  await meter.start();
  await sleep(IDLE_MS);
  const { temporal } = await meter.since();
  rows.push(
    `| ${label} | idle ${IDLE_MS / 1000} s | | ${temporal === undefined ? '?' : (temporal / IDLE_MS).toFixed(3)} cores |`,
  );
}

/** `count` starts on `taskQueue`: `perSecond` a second in ten batches, or (0) 32 in flight. */
async function starts(
  label: string,
  { count, perSecond, taskQueue }: { count: number; perSecond: number; taskQueue: string },
) {
  await meter.start();
  const t0 = performance.now();
  if (perSecond === 0) {
    let n = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (n++ < count) await start(taskQueue);
      }),
    );
  } else {
    for (let done = 0; done < count; done += perSecond / 10) {
      const tick = performance.now();
      await Promise.all(Array.from({ length: perSecond / 10 }, () => start(taskQueue)));
      await sleep(Math.max(0, 100 - (performance.now() - tick)));
    }
  }
  const rate = count / ((performance.now() - t0) / 1000);
  const { temporal } = await meter.since();
  rows.push(
    `| ${label} | ${count} at ${rate.toFixed(0)}/s | ${temporal === undefined ? '?' : (temporal / count).toFixed(2)} ms | |`,
  );
}

try {
  await idle('fresh server');
  await starts('paced, fresh server', { count: 500, perSecond: 50, taskQueue: 'main' });
  await starts('as fast as they go (the drain)', { count: STARTS, perSecond: 0, taskQueue: 'main' });
  await idle(`after them (${STARTS + 500} workflows waiting for a worker)`);
  await starts('paced, the same task queue', { count: 500, perSecond: 50, taskQueue: 'main' });
  await starts('paced, a new task queue', { count: 500, perSecond: 50, taskQueue: 'other' });
} finally {
  await env.teardown();
}
process.stdout.write(
  `| case | starts | Temporal CPU per start | Temporal CPU |\n|---|---:|---:|---:|\n${rows.join('\n')}\n`,
);
process.exit(0);
