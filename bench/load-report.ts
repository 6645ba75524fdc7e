import { performance } from 'node:perf_hooks';

/** What a load generator of the intake benches prints, as one JSON line. */
export interface LoadReport {
  latenciesMs: number[];
  statuses: Record<string, number>;
  elapsedMs: number;
  /** This process's CPU (user + system) while it sent. */
  cpuMs: number;
}

/** A load generator's tally: start it when the clock starts, count each answer, print at the end. */
export function loadTally() {
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  return {
    started,
    count(status: string, sentAt: number): void {
      latenciesMs.push(performance.now() - sentAt);
      statuses[status] = (statuses[status] ?? 0) + 1;
    },
    print(): void {
      const cpu = process.cpuUsage(cpu0);
      const report: LoadReport = {
        latenciesMs,
        statuses,
        elapsedMs: performance.now() - started,
        cpuMs: (cpu.user + cpu.system) / 1000,
      };
      process.stdout.write(`${JSON.stringify(report)}\n`);
    },
  };
}
