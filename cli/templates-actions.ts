import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_CAMPAIGNS_DIR, loadCampaigns } from '../campaigns/load';
import { loadConfig } from '../config/env';
import { internalTemplateIds } from '../domain/campaign';
import { formatHits, overLimit, scoreMessages, spamAssassinInstalled } from '../mail/spam-score';
import { type SpamResult, checkTemplates, formatProblem } from '../mail/template-check';
import { TemplateError, displayPath } from '../mail/template-errors';
import { createTemplateRenderer } from '../mail/template-renderer';
import { loadSample } from '../mail/template-samples';
import { loadTemplateSources, resolveLocale } from '../mail/template-source';

// What `cartflow templates check|preview|spam` do (cli/templates.ts declares them): imported only when
// one of them runs, as MJML and the renderer take a second or more to load.

export async function check(options: { dir: string; template?: string }): Promise<number> {
  // Manager alerts are scored as they are sent: internal email, without unsubscribe headers.
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

/**
 * SpamAssassin scores any text: a README or an HTML file saved by mistake scored 0 and read as a
 * clean email. A message starts with header fields, From and Subject among them, before a blank line.
 */
function looksLikeMessage(message: Buffer): boolean {
  const text = message.subarray(0, 64 * 1024).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = end === -1 ? '' : text.slice(0, end);
  return /^[!-9;-~]+:/.test(head) && /^from:/im.test(head) && /^subject:/im.test(head);
}

export async function spam(file: string): Promise<number> {
  const message = await readFile(file).catch(() => {
    throw new TemplateError(`${file}: cannot read the message file`);
  });
  if (!looksLikeMessage(message)) {
    throw new TemplateError(
      `${file}: not an email message (an .eml starts with header lines such as "From:" and "Subject:", then a blank line)`,
    );
  }
  if (!(await spamAssassinInstalled())) {
    throw new TemplateError(
      "spamassassin: not installed (install Debian's spamassassin package, or run scripts/spamassassin.sh as root)",
    );
  }
  const [score] = await scoreMessages([message]);
  process.stdout.write(
    `${[`${file}: spam score ${score!.score}`, ...formatHits(score!).map((line) => `  ${line}`)].join('\n')}\n`,
  );
  return overLimit(score!) ? 1 : 0;
}

/**
 * A language the template does not have is shown in the default one, as such a customer gets it;
 * said, so that a typo (`--locale pll`) or a missing `body.pl.mjml` is not taken for the Polish email.
 */
function fallbackNote(id: string, locales: readonly string[], requested: string | undefined, shown: string): string {
  if (requested === undefined) return '';
  const language = (tag: string) => tag.toLowerCase().split('-')[0];
  if (language(requested) === language(shown)) return '';
  return `note: ${id} has no "${requested}" version (no body.${language(requested)}.mjml): this is the default language, ${shown}, which a "${requested}" customer gets (languages: ${locales.join(', ')})\n`;
}

export async function preview(
  id: string,
  /** subjectLine counts from 1, as people number the lines of subject.hbs. */
  options: { dir: string; locale?: string; sample?: string; subjectLine: number; out: string },
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
    subjectVariant: options.subjectLine - 1,
  });
  const base = path.join(options.out, `${id}.${email.locale}.${path.basename(sampleFile, '.json')}`);
  await mkdir(options.out, { recursive: true });
  const headers = [
    `Subject: ${email.subject}`,
    `Preheader: ${email.preheader}`,
    `X-Template: ${email.templateId}@${email.templateVersion}`,
    `X-Template-Locale: ${email.locale}`,
    // Renamed from X-Subject-Variant, which counted from 0: a reader of an old file must not take line 1 for 2.
    `X-Subject-Line: ${email.subjectVariant + 1} of ${email.subjectCount}`,
  ];
  await Promise.all([
    writeFile(`${base}.html`, email.html),
    writeFile(`${base}.txt`, email.text),
    writeFile(`${base}.headers.txt`, `${headers.join('\n')}\n`),
  ]);
  process.stdout.write(
    `${headers[0]}\n${fallbackNote(id, sources.locales, options.locale, locale)}wrote ${displayPath(base)}.html, .txt and .headers.txt\n`,
  );
  return 0;
}
