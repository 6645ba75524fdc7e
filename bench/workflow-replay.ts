// The workflow side of a chain's CPU alone: no Temporal server, no activities, no Postgres.
//
//   npx tsx bench/workflow-replay.ts [rounds=3] [replays=300]
//
// Replays a saved complete cart chain (test/replay/histories/one-marker-consumer-completed.json)
// and the same-shape no-op of bench/chains-baseline-workflows.ts (bench/histories/same-shape.json)
// `replays` times each, alternating for `rounds`, and prints the process CPU per replayed workflow
// (the SDK's core and the workflow code; replay runs them in this process). What it measures is
// what `bench:chains` charges to the worker's workflow threads, without the load of the servers,
// so a change to the workflow code can be compared quietly. The shares of the whole chain
// (activities, Temporal, Postgres) are for `PHASES=chains npm run bench:chains`.
//
// same-shape.json was recorded from sameShapeWorkflow([1 h, 2 h, 2 h]) on the time-skipping server
// (38 events, as bench:chains reports for it).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
const [rounds = 3, replays = 300] = process.argv.slice(2).map(Number);
const quiet = { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} };
const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

async function subject(name: string, workflows: string, historyFile: string) {
  const [workflowBundle, json] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: workflows, logger: quiet }),
    readFile(historyFile, 'utf8'),
  ]);
  const history = historyFromJSON(JSON.parse(json));
  const events = history.events?.length ?? 0;
  /** CPU ms of this process per replayed workflow; throws if any replay fails (nondeterminism). */
  async function measure(count: number): Promise<number> {
    const histories = Array.from({ length: count }, (_, i) => ({ workflowId: `${name}-${i}`, history }));
    const before = process.cpuUsage();
    for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
      if (result.error) throw new Error(`${name}: replay failed: ${result.error.message}`);
    }
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / count;
  }
  return { name, events, measure, samples: [] as number[] };
}

const subjects = [
  await subject('cart chain', workflowsPath, here('../test/replay/histories/one-marker-consumer-completed.json')),
  await subject('same-shape no-op', here('./chains-baseline-workflows.ts'), here('./histories/same-shape.json')),
];
for (const s of subjects) await s.measure(20); // warm-up: JIT, bundle load
for (let round = 0; round < rounds; round += 1) {
  for (const s of subjects) s.samples.push(await s.measure(replays));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const [chain, noop] = subjects.map((s) => median(s.samples)) as [number, number];
process.stdout.write(`workflow replay CPU per workflow, ${rounds} rounds of ${replays} (median; every round):\n`);
for (const s of subjects) {
  const figures = s.samples.map((v) => v.toFixed(2)).join(', ');
  process.stdout.write(`  ${s.name} (${s.events} events): ${median(s.samples).toFixed(2)} ms (${figures})\n`);
}
process.stdout.write(`  chain ÷ same-shape no-op: ${(chain / noop).toFixed(2)}×\n`);
