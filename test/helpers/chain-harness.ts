import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { RunChainStepInput } from '../../activities';
import type { FinishChainInput } from '../../activities/finish-chain';
import type { Campaign } from '../../domain/campaign';
import type { ChainStepResult } from '../../domain/chain';
import { CartEvent, cartIdOf } from '../../domain/events';
import { cartWorkflowId } from '../../domain/ids';
import { createCartWorkflows } from '../../server/cart-workflows';

export const HARNESS_SHOP_ID = 'shop-test';

export interface StepCall {
  input: RunChainStepInput;
  /** Elapsed time since the first webhook, in the test server's clock. */
  atMs: number;
}

/** Plays a step's verdict: what runChainStep would have decided (a promise holds the step open). */
export type Decide = (
  input: RunChainStepInput,
  call: number,
  serverNowMs: number,
) => ChainStepResult | Promise<ChainStepResult>;

export interface ChainHarnessOptions {
  env: TestWorkflowEnvironment;
  bundle: WorkflowBundleWithSourceMap;
  campaigns: Campaign[];
  abandonAfterMs: number;
  /** For the first worker (`worker`), e.g. no workflow cache, so a worker that takes over gets the next task. */
  workerOptions?: Pick<WorkerOptions, 'maxCachedWorkflows'>;
  /** Every workflow started through `deliver`, so a test can clean up what is left running. */
  started?: Set<string>;
}

/**
 * The real workflow with activities that record what they are asked to do, on a Temporal test
 * server: for workflow tests and for recording the replay corpus.
 */
export async function createChainHarness(options: ChainHarnessOptions, decide: Decide = () => ({ status: 'sent' })) {
  const { env } = options;
  const steps: StepCall[] = [];
  const finished: FinishChainInput[] = [];
  const taskQueue = `tq-${randomUUID()}`;
  let t0 = 0;
  const activities = {
    async runChainStep(input: RunChainStepInput) {
      const serverNow = await env.currentTimeMs();
      steps.push({ input, atMs: serverNow - t0 });
      return decide(input, steps.length, serverNow);
    },
    async finishChain(input: FinishChainInput) {
      finished.push(input);
    },
  };
  /** A worker on the harness's task queue that records into the same `steps` and `finished`. */
  const workerWith = (
    bundle: WorkflowBundleWithSourceMap,
    more: Pick<WorkerOptions, 'workflowFailureErrorTypes' | 'maxCachedWorkflows'> = {},
  ) => Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities, ...more });
  const worker = await workerWith(options.bundle, options.workerOptions);
  const workflows = createCartWorkflows({
    client: env.client,
    taskQueue,
    abandonAfterMs: options.abandonAfterMs,
    campaigns: options.campaigns,
  });
  const deliver = async (event: unknown) => {
    if (t0 === 0) t0 = await env.currentTimeMs();
    const parsed = CartEvent.parse(event);
    options.started?.add(cartWorkflowId({ shopId: HARNESS_SHOP_ID, cartId: cartIdOf(parsed) }));
    return workflows.deliver(HARNESS_SHOP_ID, parsed);
  };
  /** Starts the journeys an event implies (welcome, post-purchase, re-order), as the webhook does. */
  const startJourneys = async (event: unknown) => {
    if (t0 === 0) t0 = await env.currentTimeMs();
    const ids = await workflows.startJourneys(
      HARNESS_SHOP_ID,
      CartEvent.parse(event),
      new Date(await env.currentTimeMs()).toISOString(),
    );
    for (const id of ids) options.started?.add(id);
    return ids;
  };
  const handleFor = (cartId: string) =>
    env.client.workflow.getHandle(cartWorkflowId({ shopId: HARNESS_SHOP_ID, cartId }));
  return {
    worker,
    /** Another worker, e.g. of another release's workflow code, taking over the same chains. */
    workerWith,
    taskQueue,
    steps,
    finished,
    deliver,
    startJourneys,
    handleFor,
    now: async () => (await env.currentTimeMs()) - t0,
  };
}
