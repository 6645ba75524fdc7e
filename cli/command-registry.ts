import type { Command } from 'commander';

/** One `cartflow` command: what `cartflow --help` lists, and how to build the command when it runs. */
export interface CommandEntry {
  name: string;
  /** One line in `cartflow --help`; the command's own --help gives its full description. */
  summary: string;
  /** Imports the command's module only when it runs, so `cartflow --help` stays fast. */
  load: () => Promise<Command>;
}

/** A module of cli/commands/: exports `command()`, which builds the commander Command. */
type CommandModule = { command: () => Command };

const entry = (name: string, summary: string, module: () => Promise<CommandModule>): CommandEntry => ({
  name,
  summary,
  load: async () => (await module()).command(),
});

/**
 * Every `cartflow` command, in the order `cartflow --help` lists them. To add one: write
 * cli/commands/<name>.ts exporting `command()`, which returns a commander `Command` called <name>
 * (cli/commands/migrate.ts is a small example), and add one line here. The CLI tests walk this
 * list: `cartflow --help` must show the new command and its --help must answer. Then document it
 * in docs/cli.md.
 */
export const COMMANDS: readonly CommandEntry[] = [
  entry(
    'demo',
    'a simulated shop on the embedded stack, ending with the campaign report',
    () => import('./commands/demo'),
  ),
  entry('start', 'worker + HTTP server in one process; embeds the rest', () => import('./commands/start')),
  entry('worker', 'the Temporal worker alone (external PostgreSQL, Temporal, SMTP)', () => import('./commands/worker')),
  entry('server', 'the HTTP server alone (webhooks, tracking, unsubscribe)', () => import('./commands/server')),
  entry('relay', 'the outbox relay alone: stored webhook events to Temporal', () => import('./commands/relay')),
  entry('migrate', 'apply the database migrations', () => import('./commands/migrate')),
  entry('campaigns', 'check campaign files; regenerate their editor schema', () => import('./commands/campaigns')),
  entry('templates', 'check, preview, spam-score and serve the email templates', () => import('./commands/templates')),
  entry(
    'shops',
    'add, list, rotate the secret of, set the DKIM key of, and remove the shops served',
    () => import('./commands/shops'),
  ),
  entry('suppressions', 'list, export, add and remove suppressed addresses', () => import('./commands/suppressions')),
  entry(
    'privacy',
    "export or erase a person's data, or a whole shop's (access and erasure requests)",
    () => import('./commands/privacy'),
  ),
  entry('discounts', 'export the discount codes cartflow issued', () => import('./commands/discounts')),
  entry('report', 'the campaign funnel and experiment verdicts', () => import('./commands/report')),
  entry('dkim', 'check the DKIM set-up; print the DNS record to publish', () => import('./commands/dkim')),
  entry(
    'webhooks',
    'regenerate the webhook contract (OpenAPI, JSON Schema) for custom backends',
    () => import('./commands/webhooks'),
  ),
  entry(
    'prod-stack',
    'the production stack without containers: PostgreSQL, Temporal on PostgreSQL, worker, server',
    () => import('./commands/prod-stack'),
  ),
  entry('temporal', "the Temporal CLI, pointed at cartflow's Temporal", () => import('./commands/temporal')),
  entry('bench', 'run a benchmark of bench/ (BENCHMARKS.md)', () => import('./commands/bench')),
];
