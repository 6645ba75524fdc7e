import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkTemplates, formatProblem } from '../mail/template-check';
import { TemplateError, displayPath } from '../mail/template-errors';
import { createTemplateRenderer } from '../mail/template-renderer';
import { loadSample } from '../mail/template-samples';
import { loadTemplateSources, resolveLocale } from '../mail/template-source';

// What `cartflow templates check|preview` do (cli/templates.ts declares them): imported only when
// one of them runs, as MJML and the renderer take a second or more to load.

export async function check(options: { dir: string; template?: string }): Promise<number> {
  const report = await checkTemplates({ dir: options.dir, only: options.template });
  for (const problem of report.problems) process.stdout.write(`${formatProblem(problem)}\n`);
  const errors = report.problems.filter((problem) => problem.severity === 'error').length;
  const warnings = report.problems.length - errors;
  process.stdout.write(
    `checked ${report.templates.length} template(s), ${report.renders} locale × sample render(s): ` +
      `${errors} error(s), ${warnings} warning(s)\n`,
  );
  return errors > 0 ? 1 : 0;
}

export async function preview(
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
