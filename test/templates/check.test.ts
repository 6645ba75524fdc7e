import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadCampaigns } from '../../campaigns/load';
import { templatesDir } from '../../app/services';
import { internalTemplateIds } from '../../domain/campaign';
import { scoreMessages } from '../../mail/spam-score';
import { sampleMessage } from '../../mail/template-spam';
import { checkTemplates, formatProblem } from '../../mail/template-check';
import { checkPlainText } from '../../mail/template-check-text';
import { type RenderedEmail, compileTemplate, renderCompiled, renderPerEmail } from '../../mail/template-compiler';
import { emailContent, firstDifference } from '../../mail/template-content';
import { loadSample } from '../../mail/template-samples';
import { listTemplateIds, loadTemplateSources } from '../../mail/template-source';
import { body, copyOfTemplates, templateWith } from './fixtures';
import { inheritedEnv } from '../helpers/test-env';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

/** `npm run templates -- …` as a marketer runs it (through bin/cartflow.js): exit code and output lines. */
async function templatesCommand(
  args: string[],
  env: Record<string, string | undefined> = inheritedEnv(),
): Promise<{ code: number; lines: string[] }> {
  const result = await run(process.execPath, ['bin/cartflow.js', 'templates', ...args], {
    cwd: root,
    env,
  }).catch((error: { code: number; stdout: string; stderr: string }) => error);
  const output = `${result.stdout}${result.stderr}`;
  return { code: 'code' in result ? result.code : 0, lines: output.trim().split('\n') };
}

const checkCommand = (dir: string, options: { env?: Record<string, string | undefined>; args?: string[] } = {}) =>
  templatesCommand(['--dir', dir, 'check', ...(options.args ?? [])], options.env);

// Scoring every render with SpamAssassin takes a while on two shared cores.
const SPAM_TIMEOUT = 300_000;

describe('every shipped template × locale × sample', async () => {
  const ids = await listTemplateIds(templatesDir);
  let shipped: ReturnType<typeof checkTemplates> | undefined;
  // Manager alerts scored as the campaigns send them (internal email), as `templates check` does.
  const internal = internalTemplateIds(await loadCampaigns());
  const shippedReport = () => (shipped ??= checkTemplates({ dir: templatesDir, internal }));

  it('passes the pre-flight check without errors', { timeout: SPAM_TIMEOUT }, async () => {
    const report = await shippedReport();
    const errors = report.problems.filter((problem) => problem.severity === 'error').map(formatProblem);
    expect(errors).toEqual([]);
    let combinations = 0;
    for (const id of ids) {
      const sources = await loadTemplateSources(templatesDir, id);
      expect(sources.locales).toEqual(expect.arrayContaining(['en', 'ru']));
      expect(sources.samples.length).toBeGreaterThanOrEqual(5);
      combinations += sources.locales.length * sources.samples.length;
    }
    expect(report.renders).toBe(combinations);
  });

  it('scores 0 or less with SpamAssassin, sent as a real email, and names the rules hit', { timeout: SPAM_TIMEOUT }, async () => {
    const report = await shippedReport();
    expect(report.spam).toHaveLength(report.renders);
    const over = report.spam
      .filter(({ score }) => score.score > 0)
      .map(({ template, locale, sample, score }) => `${template} ${locale} ${sample}: ${score.score} ${score.hits.map((hit) => hit.rule).join(' ')}`);
    expect(over).toEqual([]);
    // Every message hits the informational rules of a message not yet relayed: each is listed with its score.
    for (const { score } of report.spam) {
      expect(score.hits).toContainEqual({ rule: 'NO_RECEIVED', score: -0.001, description: expect.stringMatching(/Received/) });
    }
    // The preheader is hidden without low-contrast or invisible-font tricks.
    const rules = new Set(report.spam.flatMap(({ score }) => score.hits.map((hit) => hit.rule)));
    expect([...rules].filter((rule) => /^(HTML_FONT_LOW_CONTRAST|FONT_INVIS|HTML_TEXT_INVISIBLE)/.test(rule))).toEqual([]);
  });

  it.each(ids)('%s compiled once carries the same text, links and images as MJML per email', async (id) => {
    const sources = await loadTemplateSources(templatesDir, id);
    for (const locale of sources.locales) {
      const compiled = await compileTemplate(sources, locale);
      for (const sample of sources.samples) {
        const data = await loadSample(sources, sample, { locale });
        const now = new Date('2026-11-23T12:00:00Z');
        const once = emailContent(renderCompiled(compiled, data, { now }));
        const perEmail = emailContent(await renderPerEmail({ sources, compiled, data, options: { now } }));
        expect(firstDifference(perEmail, once), `${locale} ${sample}`).toBeUndefined();
        expect(once.links.length).toBeGreaterThan(2);
        expect(once.images.every((image) => image.alt)).toBe(true);
      }
    }
  });
});

describe('the check reports what would hurt a customer, as file:line: message', () => {
  it('tells the difference between two renders a reader would notice', () => {
    const email = { text: 'Total: €52.30', links: ['https://a.example/'], images: [] };
    expect(firstDifference(email, { ...email })).toBeUndefined();
    expect(firstDifference(email, { ...email, text: 'Total: €52.31' })).toMatch(/^text differs/);
    expect(firstDifference(email, { ...email, links: ['https://b.example/'] })).toMatch(/^links differ/);
  });

  it('the shipped templates pass `npm run templates -- check` (exit 0) and it lists the spam rules hit', { timeout: SPAM_TIMEOUT }, async () => {
    const { code, lines } = await checkCommand(templatesDir);
    expect(code).toBe(0);
    expect(lines.at(-1)).toMatch(/^checked \d+ template\(s\), \d+ locale × sample render\(s\): 0 error\(s\)/);
    expect(lines).toContainEqual(expect.stringMatching(/^spam scores \(SpamAssassin, local rules\) of \d+ message\(s\): highest -?0(\.\d+)? /));
    expect(lines).toContainEqual(expect.stringMatching(/^ +-0\.001 NO_RECEIVED +Informational: message has no Received headers \(\d+×\)$/));
  });

  it('without SpamAssassin the check warns once and still checks the rest', async () => {
    const dir = await templateWith({ 'body.mjml': body('<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>') });
    // A PATH with node alone (Debian puts node and spamassassin both in /usr/bin).
    const bin = await mkdtemp(path.join(os.tmpdir(), 'cartflow-path-'));
    await symlink(process.execPath, path.join(bin, 'node'));
    const { lines } = await checkCommand(dir, {
      env: { ...inheritedEnv(), PATH: bin },
      args: ['--template', 't'],
    });
    expect(lines.filter((line) => line.startsWith('spamassassin'))).toEqual([
      expect.stringMatching(/^spamassassin: warning: not installed, so no spam score was checked/),
    ]);
    expect(lines.some((line) => line.startsWith('spam scores'))).toBe(false);
  });

  it('`templates spam` into a pipe that closes early (`| head`) stops without a stack trace', async () => {
    const file = path.join(root, 'test/fixtures/email/spammy.eml');
    const child = spawn(process.execPath, ['bin/cartflow.js', 'templates', 'spam', file], { cwd: root });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).not.toBeNull();
  });

  it('a Russian email with untranslated English product titles scores MIXED_ES (+1.0); translated, it does not', async () => {
    const dir = await copyOfTemplates();
    const file = path.join(dir, 'cart-incentive/samples/twelve-items.json');
    const { locales, ...english } = JSON.parse(await readFile(file, 'utf8'));
    expect(locales.ru.items[0].name).toBe('Льняная рубашка');
    await writeFile(path.join(dir, 'cart-incentive/samples/untranslated.json'), JSON.stringify(english));
    const sources = await loadTemplateSources(dir, 'cart-incentive');
    const compiled = await compileTemplate(sources, 'ru');
    const messages = await Promise.all(
      ['samples/untranslated.json', 'samples/twelve-items.json'].map(async (sample) =>
        sampleMessage({ compiled, data: await loadSample(sources, sample, { locale: 'ru' }), sample }),
      ),
    );
    const [untranslated, translated] = await scoreMessages(messages);
    expect(untranslated!.hits).toContainEqual(expect.objectContaining({ rule: 'MIXED_ES', score: 1 }));
    expect(translated!.hits.map((hit) => hit.rule)).not.toContain('MIXED_ES');
  });

  it('`templates spam` refuses a file that is not an email (a README scored 0 and read as clean)', async () => {
    const { code, lines } = await templatesCommand(['spam', 'README.md']);
    expect(code).toBe(1);
    expect(lines).toEqual([
      'cartflow: README.md: not an email message (an .eml starts with header lines such as "From:" and "Subject:", then a blank line)',
    ]);
  });

  it('`templates spam` scores a spammy message above 0 and lists its rules (exit 1)', async () => {
    const file = path.join(root, 'test/fixtures/email/spammy.eml');
    const { code, lines } = await templatesCommand(['spam', file]);
    expect(code).toBe(1);
    const total = Number(/: spam score (-?[\d.]+)$/.exec(lines[0]!)?.[1]);
    expect(total).toBeGreaterThan(5);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ +0\.713 HTML_FONT_LOW_CONTRAST +HTML font color similar or identical to background$/),
        expect.stringMatching(/^ +0\.500 SUBJ_ALL_CAPS +Subject is all capitals$/),
        expect.stringMatching(/^ +\d\.\d{3} FONT_INVIS_MSGID /),
      ]),
    );
  });

  it('a template without footer, with an image without alt and a javascript: link fails (exit 1)', { timeout: SPAM_TIMEOUT }, async () => {
    const dir = await templateWith({
      'body.mjml': [
        '<mjml>',
        '{{> head}}',
        '<mj-body><mj-section><mj-column>',
        '<mj-image src="https://shop.example.com/logo.png" />',
        '<mj-text><a href="javascript:alert(1)">x</a></mj-text>',
        '</mj-column></mj-section></mj-body>',
        '</mjml>',
      ].join('\n'),
      'subject.hbs': `${'A very long subject line that goes on '.repeat(3)}{{customer.name}}\n`,
    });
    // Only `t`: what the shipped templates score is the business of the tests above.
    const { code, lines } = await checkCommand(dir, { args: ['--template', 't'] });
    expect(code).toBe(1);
    const problems = lines.filter((line) => line.includes('/t/'));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/t\/body\.mjml:4: <mj-image> has no alt text \(add alt="…"\) \(en\)$/),
        expect.stringMatching(/t\/body\.mjml: no unsubscribe link .* \(en, samples\/two-items\.json\)$/),
        expect.stringMatching(/t\/body\.mjml: the postal address is missing/),
        expect.stringMatching(/t\/body\.mjml: link to "javascript:alert\(1\)", which is not an http\(s\) URL/),
        expect.stringMatching(/t\/subject\.hbs:1: warning: subject is \d+ characters \(over 78\)/),
        expect.stringMatching(/t\/body\.mjml: warning: no heading \(wrap the headline in <h1/),
      ]),
    );
    // The sixth error: an email of one image and a link is mostly HTML and images (MIME_HTML_MOSTLY).
    expect(problems).toContainEqual(expect.stringMatching(/t\/body\.mjml: spam score [\d.]+ \(over 0\) \(en, samples\/two-items\.json\):$/));
    expect(lines.at(-1)).toBe('checked 1 template(s), 1 locale × sample render(s): 6 error(s), 2 warning(s)');
  });

  it('a subject escaped as HTML, a title escaped twice or a CR/LF in a subject is an error (the old behaviour fails)', async () => {
    const sources = await loadTemplateSources(templatesDir, 'cart-reminder');
    const compiled = await compileTemplate(sources, 'en');
    const data = await loadSample(sources, 'samples/hostile-names.json');
    const email = renderCompiled(compiled, data, { subjectVariant: 0 });
    const problems = (emails: RenderedEmail[], input: object = data) => {
      const found: string[] = [];
      checkPlainText({ compiled, data: input, emails, problem: (_, text) => found.push(text) });
      return found;
    };
    expect(problems([email])).toEqual([]);
    // What cartflow sent before subjects were plain text:
    const escaped = {
      ...email,
      subject: 'Seán O&#x27;Brien &amp; Co, your cart is waiting',
      html: email.html.replace(/<title>[^<]*/, '<title>Seán O&amp;#x27;Brien &amp;amp; Co, your cart is waiting'),
    };
    expect(problems([escaped])).toEqual([
      expect.stringMatching(
        /cart-reminder\/subject\.hbs:1: the subject shows "&#x27;", "&amp;", which the sample does not contain/,
      ),
      expect.stringMatching(/cart-reminder\/body\.mjml: a reader of the HTML sees "&#x27;", "&amp;" \(escaped twice\)/),
    ]);
    // An entity the shop itself sent is the shop's text, not an escaping mistake.
    const shopSent = { ...data, customer: { ...data.customer, name: 'Seán O&#x27;Brien &amp; Co' } };
    expect(problems([{ ...escaped, html: email.html }], shopSent)).toEqual([]);
    expect(problems([{ ...email, subject: 'Eve\r\nBcc: x@y', preheader: 'a \u202eb' }])).toEqual([
      expect.stringMatching(/subject\.hbs:1: the subject contains U\+000D, a line break, control or bidi character/),
      expect.stringMatching(/preheader\.hbs:1: the preheader contains U\+202E/),
    ]);
  });

  it('an email over 100 KB is an error (Gmail clips it)', async () => {
    const dir = await templateWith({
      'body.mjml': body(`{{#each items}}${'<mj-section><mj-column><mj-text>{{name}} {{lineTotal}} — '.concat('a'.repeat(2000), '</mj-text></mj-column></mj-section>\n').repeat(20)}{{/each}}`),
    });
    const report = await checkTemplates({ dir, only: 't' });
    expect(report.problems.map(formatProblem)).toContainEqual(
      expect.stringMatching(/t\/body\.mjml: HTML is \d+ KB \(over 100 KB: Gmail clips it\)/),
    );
  });

  it('HTML written into a subject or preheader is an error naming file and line; a product named <350 ml> is not', async () => {
    const hostile = await readFile(path.join(templatesDir, 'cart-reminder', 'samples', 'hostile-names.json'), 'utf8');
    const dir = await templateWith({
      'body.mjml': body('<mj-section><mj-column><mj-text>{{#each items}}{{name}} {{/each}}</mj-text></mj-column></mj-section>'),
      'subject.hbs': 'Your cart is waiting, {{customer.name}}\nSpring is <b>here</b>, {{customer.name}}\n',
      'preheader.hbs': '{{#each items}}{{name}} {{/each}}<br/>Free returns',
      'samples/hostile-names.json': hostile,
    });
    const report = await checkTemplates({ dir, only: 't', spam: false });
    const errors = report.problems.filter((problem) => problem.severity === 'error').map(formatProblem);
    expect(errors).toEqual([
      expect.stringMatching(/t\/subject\.hbs:2: the subject contains the HTML tag <b>, which the inbox shows as written/),
      expect.stringMatching(/t\/preheader\.hbs:1: the preheader contains the HTML tag <br\/>, which the inbox shows as written/),
    ]);
  });

  it('a subject line that comes out empty for a sample is an error naming the line', async () => {
    const sample = JSON.parse(await readFile(path.join(templatesDir, 'cart-reminder', 'samples', 'two-items.json'), 'utf8'));
    const dir = await templateWith({
      'body.mjml': body('<mj-section><mj-column><mj-text>Hi</mj-text></mj-column></mj-section>'),
      'subject.hbs': 'Your cart is waiting\n{{#if customer.hasName}}{{customer.name}}{{/if}}\n',
      'samples/no-name.json': JSON.stringify({ ...sample, customer: { ...sample.customer, name: '' } }),
    });
    const report = await checkTemplates({ dir, only: 't', spam: false });
    const errors = report.problems.filter((problem) => problem.severity === 'error').map(formatProblem);
    expect(errors).toEqual([
      expect.stringMatching(/t\/subject\.hbs:2: the subject is empty for this sample .* \(en, samples\/no-name\.json\)$/),
    ]);
  });

  it('a language with fewer subject lines than the default (a variant added to subject.hbs only) is an error', async () => {
    const content = body('<mj-section><mj-column><mj-text>{{customer.name}}</mj-text></mj-column></mj-section>');
    const dir = await templateWith({
      'body.mjml': content,
      'body.ru.mjml': content,
      'subject.hbs': 'Your cart is waiting\nStill thinking it over?\n',
      'subject.ru.hbs': 'Ваша корзина ждёт\n',
      'preheader.ru.hbs': 'Ваша корзина',
    });
    const report = await checkTemplates({ dir, only: 't', spam: false });
    const errors = report.problems.filter((problem) => problem.severity === 'error').map(formatProblem);
    expect(errors).toEqual([
      expect.stringMatching(
        /t\/subject\.ru\.hbs: 1 subject line, but subject\.hbs has 2: line n is A\/B variant n in every language/,
      ),
    ]);
  });

  it('a broken sample names the file and the field', async () => {
    const dir = await templateWith({ 'body.mjml': body('<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>') });
    const sample = path.join(dir, 't', 'samples', 'two-items.json');
    await writeFile(sample, (await readFile(sample, 'utf8')).replace('"19.90"', '"19,90"'));
    const report = await checkTemplates({ dir, only: 't' });
    expect(report.problems.map(formatProblem)).toContainEqual(
      expect.stringMatching(/t\/samples\/two-items\.json: items\.0\.unitPrice: must be a non-negative decimal amount/),
    );
  });
});
