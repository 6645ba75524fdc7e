import path from 'node:path';
import {
  type CompiledTemplate,
  type RenderedEmail,
  compileTemplate,
  localeFiles,
  renderCompiled,
  renderPerEmail,
} from './template-compiler';
import {
  MAX_SPAM_SCORE,
  type SpamScore,
  formatHits,
  overLimit,
  scoreMessages,
  spamAssassinInstalled,
} from './spam-score';
import { subjectLinesOf } from './subject-lines';
import { checkHeaderMarkup, checkPlainText } from './template-check-text';
import { emailContent, firstDifference } from './template-content';
import { TemplateError, at, displayPath } from './template-errors';
import { type SampleData, loadSample } from './template-samples';
import { sampleMessage } from './template-spam';
import {
  PARTIALS_FOLDER,
  type ShopView,
  type TemplateSources,
  listTemplateIds,
  loadTemplateSources,
  pickFile,
} from './template-source';

export interface CheckProblem {
  severity: 'error' | 'warning';
  /** `file:line: message (locale, sample)`. */
  text: string;
}

export interface CheckReport {
  problems: CheckProblem[];
  /** template × locale × sample combinations rendered. */
  renders: number;
  templates: string[];
  /** SpamAssassin's score of every render as a send; empty when SpamAssassin is not installed. */
  spam: SpamResult[];
}

export interface SpamResult {
  template: string;
  locale: string;
  sample: string;
  score: SpamScore;
}

interface PendingSpamCheck {
  template: string;
  locale: string;
  sample: string;
  body: string;
  message: Buffer;
}

/** Gmail clips messages above ~102 KB; stay under 100 KB. */
export const MAX_HTML_BYTES = 100 * 1024;
export const MAX_SUBJECT = 78;
export const MAX_PREHEADER = 140;

/**
 * The pre-flight check: every template × locale × sample is compiled (strict MJML), rendered
 * once-compiled and per email, and checked for what a customer (and the law) needs.
 */
export async function checkTemplates(options: {
  dir: string;
  only?: string;
  /** `false` skips the spam score (about half the check's time), for callers that check something else. */
  spam?: boolean;
  /** Templates sent as internal email (manager alerts; `internalTemplateIds` of the campaigns), scored as such. */
  internal?: ReadonlySet<string>;
}): Promise<CheckReport> {
  const report: CheckReport = { problems: [], renders: 0, templates: [], spam: [] };
  const ids = options.only ? [options.only] : await listTemplateIds(options.dir);
  if (ids.length === 0) report.problems.push({ severity: 'error', text: `${displayPath(options.dir)}: no templates` });
  const scoring = options.spam !== false;
  const spam = scoring && (await spamAssassinInstalled()) ? [] : undefined;
  for (const id of ids) {
    report.templates.push(id);
    const internal = options.internal?.has(id) ?? false;
    await guard(report, '', async () =>
      checkTemplate(report, { sources: await loadTemplateSources(options.dir, id), internal }, spam),
    );
  }
  if (spam) await checkSpam(report, spam);
  else if (scoring) {
    report.problems.push({
      severity: 'warning',
      text: "spamassassin: not installed, so no spam score was checked (install Debian's spamassassin package, or run scripts/spamassassin.sh as root)",
    });
  }
  const seen = new Set<string>();
  report.problems = report.problems.filter((problem) => !seen.has(problem.text) && seen.add(problem.text));
  return report;
}

async function checkTemplate(
  report: CheckReport,
  { sources, internal }: { sources: TemplateSources; internal: boolean },
  spam: PendingSpamCheck[] | undefined,
): Promise<void> {
  const problem = (severity: CheckProblem['severity'], text: string) => report.problems.push({ severity, text });
  if (sources.samples.length === 0)
    problem('error', `${displayPath(sources.folder)}/samples: no sample data (add samples/*.json)`);
  for (const locale of sources.locales) {
    if (locale !== sources.locales[0]) {
      checkVariantsComplete(sources, locale, problem);
      checkSubjectLineCount(sources, { locale, defaultLocale: sources.locales[0]! }, problem);
    }
    await guard(report, ` (${locale})`, async () => {
      checkImageAlts(sources, locale, (severity, text) => problem(severity, `${text} (${locale})`));
      checkHeaderMarkup(sources, locale, (severity, text) => problem(severity, `${text} (${locale})`));
      const compiled = await compileTemplate(sources, locale);
      for (const sample of sources.samples) {
        await guard(report, ` (${locale}, ${sample})`, async () => {
          report.renders++;
          const data = await checkSample({
            sources,
            compiled,
            sample,
            problem: (severity, text) => problem(severity, `${text} (${locale}, ${sample})`),
          });
          spam?.push({
            template: sources.id,
            locale,
            sample,
            body: displayPath(compiled.origins.body),
            message: await sampleMessage({ compiled, data, sample, internal }),
          });
        });
      }
    });
  }
}

async function checkSample(input: {
  sources: TemplateSources;
  compiled: CompiledTemplate;
  sample: string;
  problem: (severity: CheckProblem['severity'], text: string) => void;
}): Promise<SampleData> {
  const { sources, compiled, sample, problem } = input;
  const data = await loadSample(sources, sample, { locale: compiled.locale });
  const emails = compiled.subjects.map((_, subjectVariant) => renderCompiled(compiled, data, { subjectVariant }));
  emails.forEach((email, variant) => {
    if ([...email.subject].length > MAX_SUBJECT) {
      problem(
        'warning',
        `${at(compiled.origins.subjects[variant]!)}: subject is ${[...email.subject].length} characters (over ${MAX_SUBJECT}): "${email.subject}"`,
      );
    }
  });
  checkPlainText({ compiled, data, emails, problem });
  const email = emails[0]!;
  const body = displayPath(compiled.origins.body);
  if ([...email.preheader].length > MAX_PREHEADER) {
    problem(
      'warning',
      `${displayPath(compiled.origins.preheader)}:1: preheader is ${[...email.preheader].length} characters (over ${MAX_PREHEADER})`,
    );
  }
  const bytes = Buffer.byteLength(email.html);
  if (bytes > MAX_HTML_BYTES)
    problem('error', `${body}: HTML is ${Math.round(bytes / 1024)} KB (over 100 KB: Gmail clips it)`);
  checkContent({ sources, shop: compiled.shop, email, problem, body });
  const reference = await renderPerEmail({ sources, compiled, data });
  const difference = firstDifference(emailContent(reference), emailContent(email));
  if (difference) problem('error', `${body}: compiled once, the email differs from MJML per email: ${difference}`);
  return data;
}

/**
 * Every render as the message a send puts on the wire, scored by SpamAssassin with local rules
 * (what `spamassassin -L -t` gives): a score above 0 is an error listing the rules that hit.
 */
async function checkSpam(report: CheckReport, pending: PendingSpamCheck[]): Promise<void> {
  const scores = await scoreMessages(pending.map((entry) => entry.message));
  pending.forEach(({ template, locale, sample, body }, index) => {
    const score = scores[index]!;
    report.spam.push({ template, locale, sample, score });
    if (overLimit(score)) {
      report.problems.push({
        severity: 'error',
        text: `${body}: spam score ${score.score} (over ${MAX_SPAM_SCORE}) (${locale}, ${sample}):\n${formatHits(score)
          .map((line) => `  ${line}`)
          .join('\n')}`,
      });
    }
  });
}

function checkContent(input: {
  sources: TemplateSources;
  /** The shop as this email's language shows it. */
  shop: ShopView;
  email: RenderedEmail;
  body: string;
  problem: (severity: CheckProblem['severity'], text: string) => void;
}): void {
  const { sources, shop, email, body, problem } = input;
  const content = emailContent(email);
  const shopFile = displayPath(path.join(path.dirname(sources.folder), 'shop.json'));
  const unsubscribe = sources.shop.unsubscribeUrl.split('{')[0] ?? '';
  if (!unsubscribe) problem('error', `${shopFile}: "unsubscribeUrl" is not set`);
  else if (!content.links.some((link) => link.startsWith(unsubscribe))) {
    problem('error', `${body}: no unsubscribe link (add <a href="{{unsubscribeUrl}}">…</a>, e.g. with {{> footer}})`);
  }
  const address = shop.postalAddress.replace(/\s+/g, ' ').trim();
  if (!address) problem('error', `${shopFile}: "postalAddress" is not set for this language (the law requires it)`);
  else if (!content.text.includes(address))
    problem('error', `${body}: the postal address is missing (add {{shop.postalAddress}}, e.g. with {{> footer}})`);
  if (email.preheader && !email.html.includes('display:none')) {
    problem('error', `${body}: the preheader is not in the HTML (add <mj-preview>{{preheader}}</mj-preview>)`);
  }
  // Screen readers list headings to jump by; without one the headline is just bold text among the rest.
  if (!/<h1\b/i.test(email.html)) {
    problem('warning', `${body}: no heading (wrap the headline in <h1 style="margin:0;…">…</h1>)`);
  }
  for (const image of content.images) {
    if (!image.alt?.trim()) problem('error', `${body}: image ${image.src} has no alt text`);
    if (!/^https?:\/\//i.test(image.src))
      problem('error', `${body}: image source "${image.src}" is not an http(s) URL`);
  }
  for (const link of content.links) {
    if (!/^https?:\/\//i.test(link)) problem('error', `${body}: link to "${link}", which is not an http(s) URL`);
  }
}

/** `<mj-image>` without alt text, found in the source so the message names the line. */
function checkImageAlts(
  sources: TemplateSources,
  locale: string,
  problem: (severity: 'error', text: string) => void,
): void {
  const { body } = localeFiles(sources, locale);
  body.source.split('\n').forEach((line, index) => {
    for (const tag of line.match(/<mj-image\b[^>]*>/g) ?? []) {
      if (!/\salt="[^"]+"/.test(tag))
        problem('error', `${at(body.origins[index]!)}: <mj-image> has no alt text (add alt="…")`);
    }
  });
}

/**
 * A language with its own body but the default subject, or a shared partial that has other
 * languages but not this one (the footer's "Unsubscribe" and address), would mix two languages in
 * one email.
 */
function checkVariantsComplete(
  sources: TemplateSources,
  locale: string,
  problem: (severity: 'warning', text: string) => void,
): void {
  checkPartialsTranslated(sources, locale, problem);
  for (const [base, ext] of [
    ['subject', 'hbs'],
    ['preheader', 'hbs'],
  ] as const) {
    const file = pickFile(sources.files, { base, ext, locale });
    if (file && !file.path.endsWith(`.${locale}.${ext}`)) {
      problem(
        'warning',
        `${displayPath(sources.folder)}/body.${locale}.mjml: there is no ${base}.${locale}.${ext}; ${locale} customers get ${base}.${ext}`,
      );
    }
  }
}

/**
 * Line n of every language's subject file is A/B variant n: the send picks the line by its number
 * and the report judges `subject-n` across languages. A language with fewer lines puts all its
 * customers in the first ones (and more lines, in a variant the others lack), so the report
 * compares arms of different customers.
 */
function checkSubjectLineCount(
  sources: TemplateSources,
  { locale, defaultLocale }: { locale: string; defaultLocale: string },
  problem: (severity: 'error', text: string) => void,
): void {
  const own = sources.files.get(`subject.${locale}.hbs`);
  const base = pickFile(sources.files, { base: 'subject', ext: 'hbs', locale: defaultLocale });
  if (!own || !base) return;
  const [count, baseCount] = [subjectLinesOf(own).length, subjectLinesOf(base).length];
  if (count === baseCount) return;
  const lines = (n: number) => `${n} subject line${n === 1 ? '' : 's'}`;
  problem(
    'error',
    `${displayPath(own.path)}: ${lines(count)}, but ${path.basename(base.path)} has ${baseCount}: line n is A/B variant n in every language, so give each language the same number of lines`,
  );
}

/**
 * A partial with a language version (`footer.ru.mjml`) holds words; one with none (`header`: the
 * shop's name) needs no translation and is not named.
 */
function checkPartialsTranslated(
  sources: TemplateSources,
  locale: string,
  problem: (severity: 'warning', text: string) => void,
): void {
  const body = sources.files.get(`body.${locale}.mjml`);
  const used = new Set([...(body?.content ?? '').matchAll(/\{\{~?>\s*([\w-]+)/g)].map((match) => match[1]!));
  for (const name of used) {
    const translated = [...sources.partials.keys()].filter(
      (file) => file.startsWith(`${name}.`) && file !== `${name}.mjml`,
    );
    if (translated.length === 0 || sources.partials.has(`${name}.${locale}.mjml`)) continue;
    problem(
      'warning',
      `${displayPath(sources.folder)}/body.${locale}.mjml: there is no ${PARTIALS_FOLDER}/${name}.${locale}.mjml (there is ${translated.join(', ')}); ${locale} customers get ${name}.mjml`,
    );
  }
}

async function guard(report: CheckReport, context: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    for (const line of error.message.split('\n'))
      report.problems.push({ severity: 'error', text: `${line}${context}` });
  }
}

export function formatProblem(problem: CheckProblem): string {
  return problem.severity === 'warning' ? problem.text.replace(/^([^ ]*?:(\d+:)?) /, '$1 warning: ') : problem.text;
}
