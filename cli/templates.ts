import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_CAMPAIGNS_DIR, loadCampaigns } from '../campaigns/load';
import { loadConfig } from '../config/env';
import { internalTemplateIds } from '../domain/campaign';
import { formatHits, overLimit, scoreMessages, spamAssassinInstalled } from '../mail/spam-score';
import { type SpamResult, checkTemplates, formatProblem } from '../mail/template-check';
import { TemplateError, displayPath } from '../mail/template-errors';
import { createTemplateRenderer } from '../mail/template-renderer';
import { loadSample } from '../mail/template-samples';
import { loadTemplateSources, resolveLocale } from '../mail/template-source';
import { exitQuietlyOnClosedPipe, isMain } from './process';
import { templatesDir } from './services';
import { serveTemplates } from './templates-serve';

// `npm run templates -- check|preview|spam|serve`: the marketers' tools. Output is for people; errors
// are one line each (`file:line: message`), never a stack trace.

const integer = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
};

async function check(options: { dir: string; template?: string }): Promise<number> {
  const config = loadConfig();
  const campaigns = await loadCampaigns(config.CAMPAIGNS_DIR ?? DEFAULT_CAMPAIGNS_DIR);
  const report = await checkTemplates({
    dir: options.dir,
    only: options.template,
    internal: internalTemplateIds(campaigns),
  });
  for (const problem of report.problems) process.stdout.write(`${formatProblem(problem)}\n`);
  if (report.spam.length > 0) process.stdout.write(spamSummary(report.spam));
  const errors = report.problems.filter((problem) => problem.severity === 'error').length;
  const warnings = report.problems.length - errors;
  process.stdout.write(
    `checked ${report.templates.length} template(s), ${report.renders} locale × sample render(s): ` +
      `${errors} error(s), ${warnings} warning(s)\n`,
  );
  return errors > 0 ? 1 : 0;
}

/** The highest score, and every rule that hit with its score and how many of the messages it hit. */
function spamSummary(results: SpamResult[]): string {
  const highest = results.reduce((top, result) => (result.score.score > top.score.score ? result : top));
  const rules = new Map<string, { line: string; count: number }>();
  for (const { score } of results) {
    formatHits(score).forEach((line, index) => {
      const rule = score.hits[index]!.rule;
      rules.set(rule, { line, count: (rules.get(rule)?.count ?? 0) + 1 });
    });
  }
  return [
    `spam scores (SpamAssassin, local rules) of ${results.length} message(s): highest ${highest.score.score} ` +
      `(${highest.template}, ${highest.locale}, ${highest.sample}); rules hit:`,
    ...[...rules.values()].map(({ line, count }) => `  ${line} (${count}×)`),
    '',
  ].join('\n');
}

async function spam(file: string): Promise<number> {
  if (!(await spamAssassinInstalled())) {
    throw new TemplateError(
      "spamassassin: not installed (install Debian's spamassassin package, or run scripts/spamassassin.sh as root)",
    );
  }
  const message = await readFile(file).catch(() => {
    throw new TemplateError(`${file}: cannot read the message file`);
  });
  const [score] = await scoreMessages([message]);
  process.stdout.write(
    `${[`${file}: spam score ${score!.score}`, ...formatHits(score!).map((line) => `  ${line}`)].join('\n')}\n`,
  );
  return overLimit(score!) ? 1 : 0;
}

async function preview(
  id: string,
  options: { dir: string; locale?: string; sample?: string; variant: number; out: string },
): Promise<number> {
  const sources = await loadTemplateSources(options.dir, id);
  const sample = options.sample ?? sources.samples[0];
  if (!sample) throw new TemplateError(`${displayPath(sources.folder)}/samples: no sample data to preview with`);
  const sampleFile = sample.includes('/') ? sample : `samples/${sample.replace(/\.json$/, '')}.json`;
  if (!sources.samples.includes(sampleFile)) {
    throw new TemplateError(`${id}: no sample "${sample}" (samples: ${sources.samples.join(', ')})`);
  }
  const locale = resolveLocale(sources, options.locale);
  const data = await loadSample(sources, sampleFile, { locale: options.locale ?? locale });
  const email = await createTemplateRenderer({ dir: options.dir }).render(id, data, {
    locale,
    subjectVariant: options.variant,
  });
  const base = path.join(options.out, `${id}.${email.locale}.${path.basename(sampleFile, '.json')}`);
  await mkdir(options.out, { recursive: true });
  const headers = [
    `Subject: ${email.subject}`,
    `Preheader: ${email.preheader}`,
    `X-Template: ${email.templateId}@${email.templateVersion}`,
    `X-Template-Locale: ${email.locale}`,
    `X-Subject-Variant: ${email.subjectVariant}`,
  ];
  await Promise.all([
    writeFile(`${base}.html`, email.html),
    writeFile(`${base}.txt`, email.text),
    writeFile(`${base}.headers.txt`, `${headers.join('\n')}\n`),
  ]);
  process.stdout.write(`${headers[0]}\nwrote ${displayPath(base)}.html, .txt and .headers.txt\n`);
  return 0;
}

export function templatesProgram(): Command {
  const program = new Command('cartflow templates')
    .description('check, preview and serve the email templates')
    .option('--dir <folder>', 'templates folder', templatesDir)
    .showHelpAfterError();
  const dir = () => program.opts<{ dir: string }>().dir;
  program
    .command('check')
    .description('pre-flight check of every template × locale × sample; exits 1 on any error')
    .option('-t, --template <id>', 'only this template')
    .action(async (options: { template?: string }) => {
      process.exitCode = await check({ dir: dir(), ...options });
    });
  program
    .command('preview')
    .description('render one template with one sample into HTML, text and headers files')
    .argument('<id>', 'template id, e.g. cart-reminder')
    .option('-l, --locale <tag>', 'customer language, e.g. ru (falls back to the shop default)')
    .option('-s, --sample <name>', 'sample file in samples/ (default: the first)')
    .option('-v, --variant <n>', 'subject line (A/B variant), from 0', integer, 0)
    .option('-o, --out <folder>', 'where to write the files', 'outbox/preview')
    .action(async (id: string, options: { locale?: string; sample?: string; variant: number; out: string }) => {
      process.exitCode = await preview(id, { dir: dir(), ...options });
    });
  program
    .command('spam')
    .description("score one message (.eml) with SpamAssassin's local rules and list the rules hit; exits 1 above 0")
    .argument('<file>', 'the message, e.g. saved from a mail client')
    .action(async (file: string) => {
      process.exitCode = await spam(file);
    });
  program
    .command('serve')
    .description('a local page that renders every template at 600 px and 375 px, reloading on edits')
    .option('-p, --port <port>', 'port', integer, 4000)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .action(async (options: { port: number; host: string }) => {
      const server = await serveTemplates({ dir: dir(), ...options });
      process.stdout.write(`templates preview at ${server.url} (Ctrl-C to stop)\n`);
    });
  return program;
}

if (isMain(import.meta.url)) {
  exitQuietlyOnClosedPipe();
  templatesProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      const message = error instanceof TemplateError ? error.message : `templates: ${(error as Error).message}`;
      process.stderr.write(`${message}\n`);
      process.exit(1);
    });
}
