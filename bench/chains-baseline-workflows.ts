// Baseline workflows for `npm run bench:chains` (bundled for the baseline worker only; not part of
// cartflow). They measure what Temporal itself costs on this machine, without Postgres, SMTP,
// templates or search attributes.
import { proxyActivities, sleep } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

/** The trivial workflow: one no-op activity. Temporal's own ceiling for a workflow with work in it. */
export async function noopWorkflow(): Promise<void> {
  await noop();
}

/** The chain's shape with nothing inside: per step one timer, then one no-op activity. */
export async function sameShapeWorkflow(delaysMs: number[]): Promise<void> {
  for (const delay of delaysMs) {
    await sleep(delay);
    await noop();
  }
}
