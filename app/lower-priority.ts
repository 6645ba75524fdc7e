import os from 'node:os';
import type { Logger } from 'pino';

/**
 * Lowers this process's CPU priority by `by` steps of Unix nice (capped at 19), so that on a
 * shared box the scheduler serves the HTTP servers first. Called first thing in a process: on
 * Linux the nice value belongs to the thread that sets it and threads started later inherit it.
 * Lowering never needs privileges; if the system refuses anyway the process runs on, and says so.
 * Returns the nice value the process runs at.
 */
export function lowerPriority(by: number, logger: Logger): number {
  const current = os.getPriority();
  if (by <= 0) return current;
  const target = Math.min(19, current + by);
  try {
    os.setPriority(target);
    return target;
  } catch (error) {
    logger.warn({ err: error, nice: target }, 'could not lower the CPU priority; running at the current one');
    return current;
  }
}
