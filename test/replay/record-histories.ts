/**
 * Records the replay corpus: real runs of every chain shape through the current workflow code on
 * the time-skipping server, saved as JSON histories in test/replay/histories/.
 *
 *   npm run replay:record                              every scenario
 *   npm run replay:record -- consumer-continued-as-new  only the named ones
 *
 * Re-record only for a deliberate, patched() change, after `npm test` proved the old histories
 * still replay; keep the old files (they are what running workflows look like). Files are named
 * `<GENERATION><scenario>.json`: give GENERATION a new value with the patch, so that recording
 * never overwrites the histories of an older release.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { registerCartSearchAttributes } from '../../app/search-attributes';
import { workflowsPath } from '../../worker';
import type { abandonedCartWorkflow } from '../../workflows/abandoned-cart';
import { consentGivenSignal, stopChainSignal } from '../../workflows/definitions';
import { Cart } from '../../domain/events';
import { b2bCampaign, consumerCampaign, welcomeCampaign } from '../helpers/campaigns';
import { cartUpdatedEvent, orderPlacedEvent } from '../helpers/cart-events';
import { type Decide, HARNESS_SHOP_ID, createChainHarness } from '../helpers/chain-harness';
import { startTestDevServer } from '../helpers/dev-server';
import { quietTimeSkippingServer } from '../helpers/quiet-time-skipping-server';

const HOUR = 3_600_000;
const root = path.resolve(import.meta.dirname, '../..');
const outDir = path.join(import.meta.dirname, 'histories');
/** The workflow code these recordings show: steps as local activities (LOCAL_STEPS_PATCH). */
const GENERATION = 'local-steps-';
const historyFile = (scenario: string) => path.join(outDir, `${GENERATION}${scenario}.json`);

type Harness = Awaited<ReturnType<typeof createChainHarness>>;
interface Scenario {
  decide?: Decide;
  /** Drives one cart (id `cartId`) to the end; returns the workflow id when it is not the cart's. */
  run(h: Harness, cartId: string, env: TestWorkflowEnvironment): Promise<string | void>;
}

const cart = (cartId: string, at: number, extra: { items?: unknown[]; b2b?: boolean } = {}) =>
  cartUpdatedEvent({
    cartId,
    updatedAt: new Date(at).toISOString(),
    items: extra.items,
    customer: { b2b: extra.b2b ?? false },
  });

const scenarios: Record<string, Scenario> = {
  'consumer-completed': {
    async run(h, cartId, env) {
      await h.deliver(cart(cartId, await env.currentTimeMs()));
      await h.handleFor(cartId).result();
    },
  },
  'consumer-updates-then-purchased': {
    async run(h, cartId, env) {
      const t0 = await env.currentTimeMs();
      await h.deliver(cart(cartId, t0));
      await env.sleep(30 * 60_000);
      await h.deliver(
        cart(cartId, t0 + 30 * 60_000, [{ sku: 'B', name: 'Boots', quantity: 1, unitPrice: '99' }] as never),
      );
      await h.deliver(cart(cartId, t0 - 60_000)); // late, older snapshot
      await env.sleep(30 * HOUR);
      await h.deliver(orderPlacedEvent({ cartId }));
      await h.handleFor(cartId).result();
    },
  },
  'consumer-deferred': {
    decide: (_input, call, now) =>
      call === 1 ? { status: 'deferred', until: now + 9 * HOUR, reason: 'quiet_hours' } : { status: 'sent' },
    async run(h, cartId, env) {
      await h.deliver(cart(cartId, await env.currentTimeMs()));
      await h.handleFor(cartId).result();
    },
  },
  'consumer-emptied': {
    async run(h, cartId, env) {
      const t0 = await env.currentTimeMs();
      await h.deliver(cart(cartId, t0));
      await h.deliver(cart(cartId, t0 + 1000, { items: [] }));
      await h.handleFor(cartId).result();
    },
  },
  'consumer-stopped': {
    async run(h, cartId, env) {
      await h.deliver(cart(cartId, await env.currentTimeMs()));
      await env.sleep(3 * HOUR);
      await h.handleFor(cartId).signal(stopChainSignal, { reason: 'unsubscribed' });
      await h.handleFor(cartId).result();
    },
  },
  'consumer-skip-and-exit': {
    decide: (input) =>
      input.stepIndex === 0
        ? { status: 'skipped', reason: 'no_consent', endChain: false }
        : { status: 'skipped', reason: 'newer_cart', endChain: true },
    async run(h, cartId, env) {
      await h.deliver(cart(cartId, await env.currentTimeMs()));
      await h.handleFor(cartId).result();
    },
  },
  'consumer-step-failed': {
    decide: (input) => {
      if (input.stepIndex === 1) throw ApplicationFailure.nonRetryable('SMTP rejected the message permanently (550)');
      return { status: 'sent' };
    },
    async run(h, cartId, env) {
      await h.deliver(cart(cartId, await env.currentTimeMs()));
      await h.handleFor(cartId).result();
    },
  },
  // A step retried past its freshness window comes back as an expired skip; the chain moves on.
  'consumer-step-expired': {
    decide: (input) =>
      input.stepIndex === 0 ? { status: 'skipped', reason: 'expired', endChain: false } : { status: 'sent' },
    async run(h, cartId, env) {
      await h.deliver(cart(cartId, await env.currentTimeMs()));
      await h.handleFor(cartId).result();
    },
  },
  'consumer-purchased-after-first-email': {
    async run(h, cartId, env) {
      await h.deliver(cart(cartId, await env.currentTimeMs()));
      await env.sleep(3 * HOUR); // abandonment (1 h) + the reminder's delay (1 h): the first email is out
      await h.deliver(orderPlacedEvent({ cartId }));
      await h.handleFor(cartId).result();
    },
  },
  'welcome-completed': {
    async run(h, cartId, env) {
      const [workflowId] = await h.startJourneys({
        id: `evt-${cartId}`,
        type: 'customer.created',
        data: {
          customer: { id: cartId, email: 'new@example.com', marketingConsent: true },
          welcomeUrl: 'https://shop.example.com/welcome',
        },
      });
      await env.client.workflow.getHandle(workflowId as string).result();
      return workflowId;
    },
  },
  // The welcome defers for consent (CONSENT_GRACE); the consent webhook's signal runs it again at once.
  'welcome-consent-given': {
    decide: (_input, call, now) =>
      call === 1 ? { status: 'deferred', until: now + HOUR / 12, reason: 'awaiting_consent' } : { status: 'sent' },
    async run(h, cartId, env) {
      const [workflowId] = await h.startJourneys({
        id: `evt-${cartId}`,
        type: 'customer.created',
        data: {
          customer: { id: cartId, email: 'new@example.com', marketingConsent: false },
          welcomeUrl: 'https://shop.example.com/welcome',
        },
      });
      const handle = env.client.workflow.getHandle(workflowId as string);
      while (h.steps.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await handle.signal(consentGivenSignal);
      await handle.result();
      return workflowId;
    },
  },
  'b2b-completed': {
    async run(h, cartId, env) {
      await h.deliver(cart(cartId, await env.currentTimeMs(), { b2b: true }));
      await h.handleFor(cartId).result();
    },
  },
};

const scriptOutput = (name: string) =>
  execFileSync('bash', [path.join(root, 'scripts', name)])
    .toString()
    .trim()
    .split('\n')
    .at(-1) as string;
const wanted = (name: string) => process.argv.length <= 2 || process.argv.slice(2).includes(name);
const everyCampaign = () => [b2bCampaign(), consumerCampaign(), welcomeCampaign()];

async function main() {
  // Errors only: the workers' state changes and the test server's missing heartbeat capability
  // would otherwise be logged for every scenario.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  await mkdir(outDir, { recursive: true });
  const bundle = await bundleWorkflowCode({
    workflowsPath,
    logger: { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} },
  });
  if (Object.keys(scenarios).some(wanted)) await recordOnTimeSkippingServer(bundle);
  if (wanted('consumer-continued-as-new')) await recordContinuedAsNew(bundle);
}

async function recordOnTimeSkippingServer(bundle: Awaited<ReturnType<typeof bundleWorkflowCode>>) {
  const launcher = await quietTimeSkippingServer(scriptOutput('temporal-test-server.sh'));
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: launcher.path } },
  });
  try {
    await registerCartSearchAttributes(env.connection, 'default');
    for (const [name, scenario] of Object.entries(scenarios)) {
      if (!wanted(name)) continue;
      const harness = await createChainHarness(
        { env, bundle, campaigns: everyCampaign(), abandonAfterMs: 3_600_000 },
        scenario.decide,
      );
      const cartId = `replay-${name}`;
      const workflowId = await harness.worker.runUntil(() => scenario.run(harness, cartId, env));
      const handle = workflowId ? env.client.workflow.getHandle(workflowId) : harness.handleFor(cartId);
      const history = await handle.fetchHistory();
      await writeFile(historyFile(name), `${historyToJSON(history)}\n`);
      process.stdout.write(`recorded ${name} (${history.events?.length} events)\n`);
    }
  } finally {
    await env.teardown();
    await launcher.remove();
  }
}

/**
 * The first run of a cart that continued as new, on a dev server that suggests it after 60 events.
 * The workflow is started as carts were before issue 13, with every campaign in its input (cart,
 * welcome and B2B): the run's last command carries its campaigns into the next run.
 */
async function recordContinuedAsNew(bundle: Awaited<ReturnType<typeof bundleWorkflowCode>>) {
  const server = await startTestDevServer({
    extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60'],
  });
  const env = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address });
  try {
    const h = await createChainHarness({ env, bundle, campaigns: everyCampaign(), abandonAfterMs: 3_600_000 });
    const cartId = 'replay-consumer-continued-as-new';
    const handle = h.handleFor(cartId);
    const firstRun = await h.worker.runUntil(async () => {
      const t0 = Date.now();
      const first = cart(cartId, t0);
      const started = await env.client.workflow.start<typeof abandonedCartWorkflow>('abandonedCartWorkflow', {
        workflowId: handle.workflowId,
        taskQueue: h.taskQueue,
        args: [
          {
            shopId: HARNESS_SHOP_ID,
            cartId,
            abandonAfterMs: 3_600_000,
            campaigns: everyCampaign(),
            firstCart: Cart.parse(first.data),
          },
        ],
      });
      for (let i = 1; (await handle.describe()).runId === started.firstExecutionRunId; i += 1) {
        if (i > 500) throw new Error('the dev server never suggested continue-as-new');
        await h.deliver(cart(cartId, t0 + i));
      }
      await handle.terminate('recorded');
      return started.firstExecutionRunId;
    });
    const history = await env.client.workflow.getHandle(handle.workflowId, firstRun).fetchHistory();
    await writeFile(historyFile('consumer-continued-as-new'), `${historyToJSON(history)}\n`);
    process.stdout.write(`recorded consumer-continued-as-new (${history.events?.length} events)\n`);
  } finally {
    await env.teardown();
    await server.teardown();
  }
}

await main();
