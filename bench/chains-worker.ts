import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { templatesDir } from '../app/services';
import { openDatabase } from '../db/client';
import { createSmtpMailer } from '../mail/mailer';
import { createTemplateRenderer } from '../mail/template-renderer';
import { createWorker, workflowsPath } from '../worker';
import { benchNumber, benchVariable, requiredBenchVariable } from './bench-env';

// The worker process of `npm run bench:chains`, forked by bench/chains.ts so that its memory is
// the worker's alone (the client, the HTTP app and the SMTP sink stay in the parent).
//   BENCH_WORKER_MODE=cart      cartflow's worker exactly as `npm run worker` builds it (createWorker)
//   BENCH_WORKER_MODE=baseline  the no-op workflows of bench/chains-baseline-workflows.ts
// BENCH_MAX_CACHED (cart mode) overrides the SDK's default maxCachedWorkflows.
// The parent asks for `{ type: 'memory' }` (answered after forced GCs), `{ type: 'status' }` and
// `{ type: 'shutdown' }`.

export interface WorkerReport {
  type: 'ready' | 'memory' | 'status';
  memory: NodeJS.MemoryUsage;
  /** V8's own view: committed heap, malloc'ed memory outside the heap, native contexts. */
  v8: { totalPhysical: number; malloced: number; nativeContexts: number; detachedContexts: number };
  /** From /proc/self/status: anonymous and file-backed resident memory, bytes. */
  rssAnon: number;
  rssFile: number;
  status: ReturnType<Worker['getStatus']>;
  maxCachedWorkflows: number;
  heapLimitMiB: number;
}

const env = (name: string): string => requiredBenchVariable(name, 'chains-worker');

Runtime.install({ logger: new DefaultLogger('WARN') });
const mode = env('BENCH_WORKER_MODE');
const taskQueue = env('BENCH_TASK_QUEUE');
const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
let closeDeps = async () => {};
let worker: Worker;
if (mode === 'cart') {
  const database = await openDatabase({ url: env('DATABASE_URL') });
  const mailer = createSmtpMailer({ url: env('SMTP_URL'), from: 'Cartflow Bench <shop@bench.example.com>' });
  const deps = {
    db: database.db,
    mailer,
    templates: createTemplateRenderer({ dir: templatesDir }),
    messageIdDomain: 'bench.example.com',
  };
  const maxCached = benchVariable('BENCH_MAX_CACHED') === undefined ? undefined : benchNumber('BENCH_MAX_CACHED', 0);
  worker =
    maxCached === undefined
      ? await createWorker({ connection, namespace: 'default', taskQueue, deps })
      : // createWorker with one option more: the same workflows and activities.
        await Worker.create({
          connection,
          namespace: 'default',
          taskQueue,
          activities: createActivities(deps),
          workflowsPath,
          maxCachedWorkflows: maxCached,
        });
  closeDeps = async () => {
    mailer.close();
    await database.close();
  };
} else if (mode === 'baseline') {
  worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./chains-baseline-workflows.ts', import.meta.url)),
    activities: { noop: async () => {} },
  });
} else {
  throw new Error(`chains-worker: unknown BENCH_WORKER_MODE ${mode}`);
}

const running = worker.run();

const statusField = (name: string): number => {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
};

function report(type: WorkerReport['type']): WorkerReport {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (type === 'memory') for (let round = 0; round < 4; round++) gc?.();
  const heap = v8.getHeapStatistics();
  return {
    type,
    memory: process.memoryUsage(),
    v8: {
      totalPhysical: heap.total_physical_size,
      malloced: heap.malloced_memory,
      nativeContexts: heap.number_of_native_contexts,
      detachedContexts: heap.number_of_detached_contexts,
    },
    rssAnon: statusField('RssAnon'),
    rssFile: statusField('RssFile'),
    status: worker.getStatus(),
    maxCachedWorkflows: worker.options.maxCachedWorkflows,
    heapLimitMiB: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20),
  };
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'memory' || message.type === 'status') process.send?.(report(message.type));
  if (message.type === 'shutdown') {
    worker.shutdown();
    void running
      .then(closeDeps)
      .then(() => connection.close())
      .then(() => process.exit(0));
  }
});
process.send?.(report('ready'));
await running;
