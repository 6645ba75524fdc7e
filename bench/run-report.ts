// Pure helpers of `npm run bench` (bench/run.ts): what goes into the results file and into the
// generated section of BENCHMARKS.md. No I/O here, so they are unit-tested on their own.

export const GENERATED_START =
  '<!-- bench:generated:start — written by `npm run bench`; edits here are overwritten -->';
export const GENERATED_END = '<!-- bench:generated:end -->';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  load: number[];
}

export interface BenchOutcome {
  name: string;
  command: string;
  seconds: number;
  exitCode: number;
  stdout: string;
  /** The last lines of stderr, kept only when the bench failed. */
  stderrTail?: string;
}

/**
 * The markdown tables of a bench's output, each with the heading above it if there is one: the
 * summary that goes into BENCHMARKS.md (the full output goes to the results file).
 */
export function extractTables(output: string): string {
  const blocks: string[][] = [];
  let heading: string | undefined;
  let table: string[] | undefined;
  for (const line of output.split('\n')) {
    if (line.startsWith('|')) {
      if (!table) {
        table = heading ? [heading, '', line] : [line];
        heading = undefined;
        blocks.push(table);
      } else table.push(line);
      continue;
    }
    table = undefined;
    if (/^#{1,6} /.test(line)) heading = `**${line.replace(/^#+ /, '')}**`;
  }
  return blocks.map((block) => block.join('\n')).join('\n\n');
}

/** `BENCHMARKS.md` with its generated section replaced (or added at the end when it has none). */
export function replaceGeneratedSection(document: string, section: string): string {
  const block = `${GENERATED_START}\n${section.trim()}\n${GENERATED_END}`;
  const start = document.indexOf(GENERATED_START);
  const end = document.indexOf(GENERATED_END);
  if (start >= 0 && end > start) return document.slice(0, start) + block + document.slice(end + GENERATED_END.length);
  if (start >= 0 || end >= 0)
    throw new Error('BENCHMARKS.md has only one of the bench:generated markers: fix it by hand');
  return `${document.trimEnd()}\n\n${block}\n`;
}

export function machineLine(machine: Machine): string {
  return `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(0)} GiB RAM, Node ${machine.node}; load average at the start ${machine.load.map((value) => value.toFixed(2)).join(' ')}`;
}

/** The header shared by the results file and the generated section. */
export function runHeader(options: { date: string; commit: string; machine: Machine; quick: boolean }): string {
  return [
    `Date: ${options.date}. Commit: ${options.commit}. Mode: ${options.quick ? 'quick (reduced sizes: a smoke test, not figures)' : 'full'}.`,
    '',
    `Machine: ${machineLine(options.machine)}.`,
  ].join('\n');
}

export function outcomeStatus(outcome: BenchOutcome): string {
  return outcome.exitCode === 0
    ? `\`${outcome.command}\`, ${outcome.seconds.toFixed(0)} s`
    : `\`${outcome.command}\` FAILED (exit ${outcome.exitCode}) after ${outcome.seconds.toFixed(0)} s`;
}

/** The results file: every bench's whole output. */
export function resultsDocument(header: string, outcomes: BenchOutcome[]): string {
  const parts = [`# \`npm run bench\` results`, '', header];
  for (const outcome of outcomes) {
    parts.push('', `## ${outcome.name}`, '', outcomeStatus(outcome), '', outcome.stdout.trim());
    if (outcome.stderrTail) parts.push('', 'Last lines of stderr:', '', '```', outcome.stderrTail.trim(), '```');
  }
  return `${parts.join('\n')}\n`;
}

/** The generated section of BENCHMARKS.md: the tables of each bench and a link to the whole output. */
export function generatedSection(options: { header: string; resultsLink: string; outcomes: BenchOutcome[] }): string {
  const parts = [
    '## Latest `npm run bench`',
    '',
    options.header,
    '',
    `Whole output: [${options.resultsLink}](${options.resultsLink}). The sections above this one describe each bench's method.`,
  ];
  for (const outcome of options.outcomes) {
    parts.push('', `### ${outcome.name}`, '', outcomeStatus(outcome));
    const tables = extractTables(outcome.stdout);
    if (tables) parts.push('', tables);
  }
  return parts.join('\n');
}
