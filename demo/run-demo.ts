import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { Presets, SingleBar } from 'cli-progress';
import { loadCampaignFiles } from '../app/services';
import { type Config } from '../config/env';
import { cartWorkflowId } from '../domain/ids';
import { loadReport } from '../reports/load-report';
import { reportTable } from '../reports/report-table';
import { DEFAULT_TIME_SCALE, demoCampaigns } from './demo-campaigns';
import { type DemoStack, startDemoStack } from './demo-stack';
import { nextSteps, simulationSummary } from './demo-words';
import { simulatePopulation } from './population';
import { seededRandom } from './random';
import { createShopper } from './shopper';

/** The run could not complete: the message says what happened. */
export class DemoRunError extends Error {
  override name = 'DemoRunError';
}

/** The user stopped the demo before its report. */
export class DemoStoppedError extends Error {
  override name = 'DemoStoppedError';
}

export interface DemoOptions {
  customers: number;
  seed: number;
  /** Campaign time / real time: 4320 plays 72 hours in a minute. */
  scale: number;
  /** The folder that holds every run's own folder. */
  dir: string;
  temporalAddress?: string | undefined;
  databaseUrl?: string | undefined;
  taskQueue?: string | undefined;
  /** After the report, keep the stack up (dashboard, Temporal UI) until the returned promise's stop() is called. */
  keepRunning: boolean;
}

export interface DemoIo {
  config: Config;
  logger: Logger;
  stdout: Writable & { isTTY?: boolean };
  /** Resolves when the user wants the demo to stop (Ctrl-C): during the run, or after the report. */
  stopped: Promise<void>;
}

const HOUR_MS = 3_600_000;
/**
 * Carts appear over a campaign day (20 s at the default scale), as a shop's do: all at once, the
 * reminders would go out in one burst that a laptop's embedded stack takes minutes to clear.
 */
const ARRIVAL_WINDOW_MS = 24 * HOUR_MS;
/** The longest shipped cart chain: 72 h after abandonment. */
const CHAIN_MS = 72 * HOUR_MS;
const POLL_MS = 500;
const PLAIN_PROGRESS_MS = 15_000;

/**
 * `npm run demo`: a simulated shop against the real stack. Returns the report text it printed;
 * throws when the run could not complete (the message says what happened).
 */
export async function runDemo(options: DemoOptions, io: DemoIo): Promise<{ report: string; runDir: string }> {
  const { stdout } = io;
  const print = (line = '') => void stdout.write(`${line}\n`);
  const runTag = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const runDir = path.resolve(options.dir, `run-${runTag}`);
  const real = (campaignMs: number) => Math.round(campaignMs / options.scale);
  const random = seededRandom(options.seed);
  const plans = simulatePopulation({ customers: options.customers, runTag: runTag.replace('-', ''), random });
  const { active } = await loadCampaignFiles(io.config);
  const campaigns = demoCampaigns({ shipped: active, scale: options.scale });
  const { logger } = io;
  const began = Date.now();
  const elapsed = () => `${Math.round((Date.now() - began) / 1000)} s`;

  print(
    `cartflow demo: ${plans.length} simulated customers, 72 campaign hours in ~${Math.round(real(CHAIN_MS) / 1000)} s (seed ${options.seed})`,
  );
  print(`Run folder ${runDir}`);
  print(
    'Starting Temporal, the database, the worker and the HTTP server (a first run builds the Temporal CLI with Go)…',
  );
  let shopper: ReturnType<typeof createShopper> | undefined;
  const stack = await startDemoStack({
    config: io.config,
    logger,
    runDir,
    campaigns,
    abandonAfterMs: real(HOUR_MS),
    consentGraceMs: real(io.config.CONSENT_GRACE),
    temporalAddress: options.temporalAddress,
    databaseUrl: options.databaseUrl,
    taskQueue: options.taskQueue ?? `cartflow-demo-${runTag}`,
    onEmail: (raw, envelope) => void shopper?.receive(raw, envelope.to),
  });
  print(
    `Running (stack up after ${elapsed()}); the shop's carts arrive over the first ${Math.round(real(ARRIVAL_WINDOW_MS) / 1000)} s`,
  );
  try {
    shopper = createShopper({
      baseUrl: stack.baseUrl,
      webhookSecret: stack.webhookSecret,
      plans,
      random,
      abandonAfterMs: real(HOUR_MS),
      chainMs: real(CHAIN_MS),
    });
    for (const plan of plans) shopper.playCart(plan, real(ARRIVAL_WINDOW_MS));
    await watchChains({
      stack,
      shopper,
      plans,
      stdout,
      stopped: io.stopped,
      // A guard against a hang, not a goal: a busy laptop may take several times the campaign time.
      deadlineMs: real(ARRIVAL_WINDOW_MS + 3 * CHAIN_MS) + 600_000,
    });
    await shopper.settled();
    if (shopper.failures.length > 0) throw simulationFailed(shopper.failures);
    print(`All chains done after ${elapsed()}.`);
    const report = reportTable(await loadReport(stack.db, { campaigns, request: { shopId: stack.config.SHOP_ID } }));
    print();
    print(report.trimEnd());
    print();
    print(simulationSummary(shopper.tally));
    print();
    print(nextSteps({ stack, runDir, keepRunning: options.keepRunning }));
    if (options.keepRunning) await io.stopped;
    return { report, runDir };
  } finally {
    await stack.close();
  }
}

/** Shows finished chains against carts until every cart's workflow has ended; throws past the deadline. */
async function watchChains(input: {
  stack: DemoStack;
  shopper: ReturnType<typeof createShopper>;
  plans: ReturnType<typeof simulatePopulation>;
  stdout: DemoIo['stdout'];
  stopped: Promise<void>;
  deadlineMs: number;
}): Promise<void> {
  let stopRequested = false;
  void input.stopped.then(() => void (stopRequested = true));
  const { stack, shopper, plans, stdout } = input;
  const bar = new SingleBar(
    {
      stream: stdout,
      format:
        'carts {bar} {value}/{total} chains done | {emails} emails, {opens} opens, {clicks} clicks, {orders} orders | {duration}s',
      hideCursor: true,
      noTTYOutput: false,
    },
    Presets.shades_classic,
  );
  const tallyPayload = () => ({
    emails: shopper.tally.emails,
    opens: shopper.tally.humanOpens + shopper.tally.machineOpens,
    clicks: shopper.tally.humanClicks + shopper.tally.machineClicks,
    orders: shopper.tally.ordersAfterEmail + shopper.tally.ordersWithoutEmail,
  });
  const showBar = stdout.isTTY === true;
  if (showBar) bar.start(plans.length, 0, tallyPayload());
  const query = `TaskQueue = "${stack.config.TEMPORAL_TASK_QUEUE}" AND ExecutionStatus = "Running"`;
  const started = Date.now();
  let lastLine = started;
  try {
    for (;;) {
      await Promise.race([new Promise((resolve) => setTimeout(resolve, POLL_MS)), input.stopped]);
      if (stopRequested) throw new DemoStoppedError('stopped before every chain had finished; no report');
      // A cart whose first webhook failed never arrives: say why now, not when the deadline ends the wait.
      if (shopper.failures.length > 0) throw simulationFailed(shopper.failures);
      const { count: running } = await stack.client.workflow.count(query);
      const arrived = shopper.startedCarts.size + shopper.cartsWithoutChain.size;
      const done = Math.max(0, arrived - running);
      if (showBar) bar.update(done, tallyPayload());
      else if (Date.now() - lastLine >= PLAIN_PROGRESS_MS) {
        // Piped or in CI: a plain line now and then instead of a bar redrawn in place.
        lastLine = Date.now();
        const { emails, opens, clicks, orders } = tallyPayload();
        stdout.write(
          `${done}/${plans.length} chains done | ${emails} emails, ${opens} opens, ${clicks} clicks, ${orders} orders\n`,
        );
      }
      if (arrived === plans.length && running === 0 && (await allFinished(stack, shopper.startedCarts))) break;
      if (Date.now() - started > input.deadlineMs) {
        throw new DemoRunError(
          `${running} chains were still running after ${Math.round(input.deadlineMs / 1000)} s; see the Temporal UI or the log above`,
        );
      }
    }
  } finally {
    if (showBar) bar.stop();
  }
}

function simulationFailed(failures: readonly string[]): DemoRunError {
  return new DemoRunError(`the simulation hit ${failures.length} errors, first: ${failures[0]}`);
}

/** Visibility is eventually consistent: ask each workflow itself before calling the run over. */
async function allFinished(stack: DemoStack, cartIds: ReadonlySet<string>): Promise<boolean> {
  for (const cartId of cartIds) {
    const workflowId = cartWorkflowId({ shopId: stack.config.SHOP_ID, cartId });
    const { status } = await stack.client.workflow.getHandle(workflowId).describe();
    if (status.name === 'RUNNING') return false;
  }
  return true;
}
