import { readdir, readFile } from 'node:fs/promises';

// CPU time of the other processes a benchmark starts (PostgreSQL, the Temporal dev server), read
// from Linux's /proc, so that CPU per event can be given for every process on the box and not
// only for the bench's own. On other systems every figure is undefined (the bench says so).

const TICKS_PER_SECOND = 100; // USER_HZ: what /proc/<pid>/stat counts in on Linux

/** utime + stime of a process and of its children it has reaped, in ms; undefined when unreadable. */
async function cpuOfPid(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

async function parentOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

async function allPids(): Promise<number[]> {
  try {
    return (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return [];
  }
}

/** A process tree's CPU so far: `root` and every living descendant (e.g. a postmaster and its backends). */
export async function treeCpuMs(root: number): Promise<number | undefined> {
  const pids = await allPids();
  const parents = new Map<number, number | undefined>();
  await Promise.all(pids.map(async (pid) => parents.set(pid, await parentOf(pid))));
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p && hops < 20; p = parents.get(p), hops++) {
      if (p === root) return true;
    }
    return false;
  };
  const own = await cpuOfPid(root);
  if (own === undefined) return undefined;
  const children = await Promise.all(pids.filter((pid) => pid !== root && inTree(pid)).map(cpuOfPid));
  return children.reduce<number>((sum, ms) => sum + (ms ?? 0), own);
}

/** The parent of a PostgreSQL backend is the postmaster: pass `select pg_backend_pid()`. */
export async function postmasterOf(backendPid: number): Promise<number | undefined> {
  return parentOf(backendPid);
}

/** Samples a set of processes' CPU; `since()` gives each one's ms used since `start()`. */
export function cpuMeter(pids: Record<string, number | undefined>) {
  let at: Record<string, number | undefined> = {};
  const sample = async () =>
    Object.fromEntries(
      await Promise.all(
        Object.entries(pids).map(async ([name, pid]) => [name, pid ? await treeCpuMs(pid) : undefined] as const),
      ),
    );
  return {
    async start(): Promise<void> {
      at = await sample();
    },
    async since(): Promise<Record<string, number | undefined>> {
      const now = await sample();
      return Object.fromEntries(
        Object.entries(now).map(([name, ms]) => {
          const before = at[name];
          return [name, ms === undefined || before === undefined ? undefined : ms - before];
        }),
      );
    },
  };
}
