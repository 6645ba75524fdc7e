// Baseline workflows for `npm run bench:chains` (bundled for the baseline worker only; not part of
// cartflow). They measure what Temporal itself costs on this machine, without Postgres, SMTP,
// templates or search attributes.
import { patched, proxyActivities, proxyLocalActivities, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { CART_SEARCH_ATTRIBUTES as KEYS } from '../workflows/definitions';

const { noop } = proxyActivities<{ noop(padding?: unknown): Promise<void> }>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<{ noop(padding?: unknown): Promise<void> }>({ startToCloseTimeout: '1 minute' });

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

/**
 * The chain's shape as the chain now runs it: per step one timer, then one no-op *local* activity
 * (a marker in the history instead of an activity task and a second workflow task).
 */
export async function sameShapeLocalWorkflow(delaysMs: number[]): Promise<void> {
  for (const delay of delaysMs) {
    await sleep(delay);
    await local.noop();
  }
}

/**
 * What the cart chain adds to the same shape, one thing per variant (`PHASES=…,attribution`): the
 * search-attribute upserts the chain makes (its next step twice, its final status once), a patch
 * marker (with the SDK's TemporalChangeVersion upsert), and payloads as large as the chain's
 * (`padding` in the start input; `stepPadding` into every activity). The attributes given at start
 * cost the workflow nothing; the bench gives them in the start options.
 */
export interface SameShapeVariant {
  delaysMs: number[];
  upserts?: boolean;
  marker?: boolean;
  padding?: unknown;
  stepPadding?: unknown;
  local?: boolean;
}

export async function sameShapeVariantWorkflow(input: SameShapeVariant): Promise<void> {
  if (input.marker) patched('bench-marker');
  for (const [index, delay] of input.delaysMs.entries()) {
    await sleep(delay);
    const run = input.local ? local.noop : noop;
    await (input.stepPadding === undefined ? run() : run(input.stepPadding));
    if (!input.upserts) continue;
    const last = index === input.delaysMs.length - 1;
    upsertSearchAttributes(
      last ? [{ key: KEYS.status, value: 'completed' }] : [{ key: KEYS.step, value: `step-${index + 1}` }],
    );
  }
}
