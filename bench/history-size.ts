import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { loadCampaigns } from '../campaigns/load';
import { registerCartSearchAttributes } from '../app/search-attributes';
import { newestVersions } from '../domain/campaign-versions';
import { Cart, CartEvent } from '../domain/events';
import { journeySubjectsOf } from '../domain/journeys';
import { workflowsPath } from '../worker';
import type { abandonedCartWorkflow } from '../workflows/abandoned-cart';
import type { journeyWorkflow } from '../workflows/journey';
import { searchAttributesAtStart } from '../workflows/search-attributes';
import { HARNESS_SHOP_ID, createChainHarness } from '../test/helpers/chain-harness';
import { quietTimeSkippingServer } from '../test/helpers/quiet-time-skipping-server';

// `npm run bench:history`: bytes a cart chain and a welcome journey leave in Temporal's history
// when the input pins every campaign (how workflows were started before issue 13) and when it pins
// only the workflow's own trigger's (server/cart-workflows.ts today). Both in one run, on the Java
// time-skipping server (scripts/temporal-test-server.sh), with the shipped campaign files and the
// real workflow code; the activities record instead of sending (test/helpers/chain-harness.ts),
// which changes no workflow input and the same activity results in both columns.

const HOUR = 3_600_000;
const { History } = proto.temporal.api.history.v1;
const { Payloads } = proto.temporal.api.common.v1;

interface Size {
  events: number;
  inputBytes: number;
  historyProtoBytes: number;
  historyJsonBytes: number;
}

async function sizeOf(handle: WorkflowHandle): Promise<Size> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const input = events[0]?.workflowExecutionStartedEventAttributes?.input ?? {};
  return {
    events: events.length,
    inputBytes: Payloads.encode(input).finish().byteLength,
    historyProtoBytes: History.encode(history).finish().byteLength,
    historyJsonBytes: Buffer.byteLength(historyToJSON(history)),
  };
}

const cartEvent = (cartId: string, updatedAt: number, quantity: number) => ({
  id: `evt-${cartId}-${updatedAt}`,
  type: 'cart.updated',
  data: {
    id: cartId,
    currency: 'EUR',
    items: [
      { sku: 'TEE-BLK-M', name: 'Organic cotton T-shirt', quantity, unitPrice: '19.90' },
      { sku: 'MUG-01', name: 'Enamel mug', quantity: 1, unitPrice: '12.50' },
    ],
    total: (19.9 * quantity + 12.5).toFixed(2),
    recoveryUrl: 'https://shop.example.com/cart/recover?token=t0k3n',
    updatedAt: new Date(updatedAt).toISOString(),
    customer: { email: 'ada@example.com', name: 'Ada', locale: 'en', marketingConsent: true },
  },
});

async function main() {
  // Only errors: the time-skipping server's missing heartbeat capability is warned about otherwise.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  const root = path.resolve(import.meta.dirname, '..');
  const serverPath = execFileSync('bash', [path.join(root, 'scripts/temporal-test-server.sh')])
    .toString()
    .trim()
    .split('\n')
    .at(-1) as string;
  const launcher = await quietTimeSkippingServer(serverPath);
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: launcher.path } },
  });
  try {
    await registerCartSearchAttributes(env.connection, 'default');
    const quiet = { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} };
    const bundle = await bundleWorkflowCode({ workflowsPath, logger: quiet });
    const campaigns = newestVersions(await loadCampaigns());
    const h = await createChainHarness({ env, bundle, campaigns, abandonAfterMs: HOUR });
    const results: Array<{ workflow: string; pinned: string; size: Size }> = [];
    const runId = Date.now().toString(36);

    await h.worker.runUntil(async () => {
      // A typical cart: created, changed twice within the hour, then abandoned; three emails.
      const cartChain = async (cartId: string, start: (first: ReturnType<typeof cartEvent>) => Promise<unknown>) => {
        const t0 = await env.currentTimeMs();
        await start(cartEvent(cartId, t0, 1));
        await env.sleep(10 * 60_000);
        await h.deliver(cartEvent(cartId, t0 + 10 * 60_000, 2));
        await env.sleep(10 * 60_000);
        await h.deliver(cartEvent(cartId, t0 + 20 * 60_000, 3));
        await h.handleFor(cartId).result();
        return sizeOf(h.handleFor(cartId));
      };
      const everyCampaign = `cart-all-${runId}`;
      // What server/cart-workflows.ts sent before: the same start, every campaign in the input.
      const before = await cartChain(everyCampaign, (first) => {
        const firstCart = Cart.parse(first.data);
        return env.client.workflow.start<typeof abandonedCartWorkflow>('abandonedCartWorkflow', {
          workflowId: h.handleFor(everyCampaign).workflowId,
          taskQueue: h.taskQueue,
          args: [{ shopId: HARNESS_SHOP_ID, cartId: everyCampaign, abandonAfterMs: HOUR, campaigns, firstCart }],
          typedSearchAttributes: searchAttributesAtStart({ shopId: HARNESS_SHOP_ID, campaigns, cart: firstCart }),
        });
      });
      results.push({ workflow: 'cart chain (3 updates, 3 emails)', pinned: 'every campaign', size: before });
      const after = await cartChain(`cart-own-${runId}`, (first) => h.deliver(first));
      results.push({ workflow: 'cart chain (3 updates, 3 emails)', pinned: 'cart.abandoned only', size: after });

      // A welcome series (three emails over five days).
      const customerCreated = (customerId: string) => ({
        id: `evt-${customerId}`,
        type: 'customer.created',
        data: {
          customer: { id: customerId, email: 'new@example.com', name: 'Nia', locale: 'en', marketingConsent: true },
          welcomeUrl: 'https://shop.example.com/welcome',
        },
      });
      const received = new Date(await env.currentTimeMs()).toISOString();
      const [welcome] = journeySubjectsOf(CartEvent.parse(customerCreated(`cust-all-${runId}`)), received);
      const journeyBefore = await env.client.workflow.start<typeof journeyWorkflow>('journeyWorkflow', {
        workflowId: `journey-all-${runId}`,
        taskQueue: h.taskQueue,
        args: [{ shopId: HARNESS_SHOP_ID, ...(welcome as NonNullable<typeof welcome>), campaigns }],
      });
      await journeyBefore.result();
      results.push({
        workflow: 'welcome journey (3 emails)',
        pinned: 'every campaign',
        size: await sizeOf(journeyBefore),
      });
      const [journeyId] = await h.startJourneys(customerCreated(`cust-own-${runId}`));
      const journeyAfter = env.client.workflow.getHandle(journeyId as string);
      await journeyAfter.result();
      results.push({
        workflow: 'welcome journey (3 emails)',
        pinned: 'welcome only',
        size: await sizeOf(journeyAfter),
      });
    });

    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    process.stdout.write(
      `${new Date().toISOString()} · ${os.cpus().length} × ${cpu} · Node ${process.version} · ` +
        `load average ${os
          .loadavg()
          .map((n) => n.toFixed(1))
          .join(
            ' ',
          )} · ${campaigns.length} shipped campaigns (${campaigns.filter((c) => c.trigger === 'cart.abandoned').length} cart.abandoned)\n\n`,
    );
    process.stdout.write('| workflow | input pins | events | input | history (protobuf) | history (JSON) |\n');
    process.stdout.write('|---|---|---:|---:|---:|---:|\n');
    for (const { workflow, pinned, size } of results) {
      process.stdout.write(
        `| ${workflow} | ${pinned} | ${size.events} | ${size.inputBytes.toLocaleString('en')} B | ` +
          `${size.historyProtoBytes.toLocaleString('en')} B | ${size.historyJsonBytes.toLocaleString('en')} B |\n`,
      );
    }
  } finally {
    await env.teardown();
    await launcher.remove();
  }
}

await main();
