import { execFile, fork } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import proto from '@temporalio/proto';
import type { WorkerReport } from './chains-worker';
import { freePort } from '../test/helpers/free-port';
import { benchVariable, childBenchEnv } from './bench-env';
export { freePort };

// Helpers of bench/chains.ts: the scripts that start real components, the forked worker process,
// bounded concurrency, and reading workflow histories.

export const root = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const run = promisify(execFile);

/** Runs scripts/<name> and returns the last line it prints (a path or a URL). */
export async function script(name: string, args: string[] = [], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('bash', [path.join(root, 'scripts', name), ...args], {
    maxBuffer: 16 * 1024 * 1024,
    env: childBenchEnv(env),
  });
  return stdout.trim().split('\n').at(-1) ?? '';
}

export async function shell(command: string): Promise<string> {
  const { stdout } = await run('bash', ['-c', command]);
  return stdout.trimEnd();
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `fn` over `items`, at most `limit` at a time; stops early (returning the count done) once `stop()` is true. */
export async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<unknown>,
  stop: () => boolean = () => false,
): Promise<number> {
  let next = 0;
  let done = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !stop()) {
      const index = next++;
      await fn(items[index] as T, index);
      done += 1;
    }
  });
  await Promise.all(lanes);
  return done;
}

export interface WorkerProcess {
  pid: number;
  /** Memory after forced GCs in the worker process, with the worker's status. */
  memory(): Promise<WorkerReport>;
  /** The worker's status without a GC (cheap, for polling). */
  status(): Promise<WorkerReport>;
  shutdown(): Promise<void>;
  kill(): void;
}

/**
 * BENCH_WORKER_CPU_PROF=<dir>: each worker process writes a V8 CPU profile (.cpuprofile, for Chrome
 * DevTools or speedscope) there when it exits: where the worker's CPU per chain goes.
 */
function cpuProfileArgs(): string[] {
  const dir = benchVariable('BENCH_WORKER_CPU_PROF');
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Forks bench/chains-worker.ts and resolves once its worker runs. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = fork(fileURLToPath(new URL('./chains-worker.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...cpuProfileArgs()],
    env: childBenchEnv(env),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: Array<{ resolve: (report: WorkerReport) => void; reject: (error: Error) => void }> = [];
  let exited: Error | undefined;
  child.on('message', (report: WorkerReport) => waiting.shift()?.resolve(report));
  child.on('exit', (code) => {
    exited = new Error(`worker process exited with ${code}`);
    for (const waiter of waiting.splice(0)) waiter.reject(exited);
  });
  const next = () =>
    new Promise<WorkerReport>((resolve, reject) => {
      if (exited) reject(exited);
      else waiting.push({ resolve, reject });
    });
  const ask = (type: 'memory' | 'status') => {
    const answer = next();
    child.send({ type });
    return answer;
  };
  await next(); // ready
  return {
    pid: child.pid as number,
    memory: () => ask('memory'),
    status: () => ask('status'),
    async shutdown() {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'shutdown' });
      await Promise.race([gone, sleep(30_000).then(() => child.kill('SIGKILL'))]);
    },
    kill: () => void (exited || child.kill('SIGKILL')),
  };
}

const EventType = proto.temporal.api.enums.v1.EventType;

/** `EVENT_TYPE_WORKFLOW_TASK_SCHEDULED` → `WorkflowTaskScheduled`. */
export function eventName(type: number | null | undefined): string {
  const name = EventType[type ?? 0] ?? `EventType${type}`;
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}

export interface HistorySummary {
  events: number;
  names: string[];
  byType: Map<string, number>;
  /** First to last event, ms. */
  durationMs: number;
}

export async function historyOf(handle: WorkflowHandle): Promise<HistorySummary> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const names = events.map((event) => eventName(event.eventType));
  const byType = new Map<string, number>();
  for (const name of names) byType.set(name, (byType.get(name) ?? 0) + 1);
  const first = tsToMs(events[0]?.eventTime);
  const last = tsToMs(events.at(-1)?.eventTime);
  return { events: events.length, names, byType, durationMs: last - first };
}

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

const clockTicks = Number(await shell('getconf CLK_TCK')) || 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, ms. */
  ownMs: number;
  /** cutime + cstime: children it has waited for (Postgres backends that ended), ms. */
  reapedMs: number;
}

async function procStats(): Promise<ProcStat[]> {
  const stats: ProcStat[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (fields.length < 15) continue;
    const ms = (first: number, second: number) =>
      ((Number(fields[first]) + Number(fields[second])) * 1000) / clockTicks;
    stats.push({ pid: Number(entry), ppid: Number(fields[1]), ownMs: ms(11, 12), reapedMs: ms(13, 14) });
  }
  return stats;
}

/** CPU ms used so far by each group: a process and (with `tree`) its descendants and the ones it reaped. */
export async function cpuByGroup(
  groups: Record<string, { pid: number | undefined; tree?: boolean }>,
): Promise<Record<string, number>> {
  const stats = await procStats();
  const result: Record<string, number> = {};
  for (const [name, { pid, tree }] of Object.entries(groups)) {
    if (pid === undefined) {
      result[name] = NaN;
      continue;
    }
    const members = new Set([pid]);
    if (tree) {
      for (let grew = true; grew;) {
        grew = false;
        for (const stat of stats) {
          if (members.has(stat.ppid) && !members.has(stat.pid)) {
            members.add(stat.pid);
            grew = true;
          }
        }
      }
    }
    result[name] = stats
      .filter((stat) => members.has(stat.pid))
      .reduce((sum, stat) => sum + stat.ownMs + (tree ? stat.reapedMs : 0), 0);
  }
  return result;
}

/**
 * CPU ms so far of each thread of `pid`, summed by thread name; the main thread (where activities
 * run) as `main`. Threads that ended are not counted, so compare threads that live through a run.
 */
export async function cpuByThread(pid: number): Promise<Map<string, number>> {
  const byName = new Map<string, number>();
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const text = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
    const name = Number(tid) === pid ? 'main' : text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (fields.length < 15) continue;
    const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
    byName.set(name, (byName.get(name) ?? 0) + ms);
  }
  return byName;
}
