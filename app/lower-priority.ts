import { readdirSync } from 'node:fs';
import os from 'node:os';
import type { Logger } from 'pino';

/**
 * Lowers this process's CPU priority by `by` steps of Unix nice (capped at 19), so that on a
 * shared box the scheduler serves the HTTP servers first. Lowering never needs privileges; if the
 * system refuses anyway the process runs on, and says so. Returns the nice value the process runs at.
 */
export function lowerPriority(by: number, logger: Logger): number {
  const current = os.getPriority();
  if (by <= 0) return current;
  const target = Math.min(19, current + by);
  try {
    for (const thread of threadsOfThisProcess()) os.setPriority(thread, target);
    return target;
  } catch (error) {
    logger.warn({ err: error, nice: target }, 'could not lower the CPU priority; running at the current one');
    return current;
  }
}

/**
 * On Linux a nice value belongs to a thread, and only threads started later inherit it: Node has
 * started V8's garbage-collection and compiler threads before any script runs, so each one is
 * lowered by its id. Elsewhere (no /proc) the value is the process's: 0 stands for it.
 */
function threadsOfThisProcess(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [0];
  }
}
