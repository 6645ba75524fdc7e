import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import { convert as htmlToText } from 'html-to-text';
import mjml2html from 'mjml';

export interface RenderedEmail {
  templateId: string;
  /** Content hash of the template folder: recorded on every message row. */
  templateVersion: string;
  subject: string;
  preheader: string;
  html: string;
  text: string;
}

export interface TemplateRenderer {
  render(templateId: string, data: object): Promise<RenderedEmail>;
}

/** A template that cannot render: names the file, line and problem so a marketer can fix it. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

interface CompiledTemplate {
  version: string;
  subject: Handlebars.TemplateDelegate;
  preheader: Handlebars.TemplateDelegate;
  body: Handlebars.TemplateDelegate;
}

const FILES = { body: 'body.mjml', subject: 'subject.hbs', preheader: 'preheader.hbs' } as const;

/**
 * Renders `templates/<id>/` (MJML body + Handlebars subject/preheader). Files are re-read on
 * every render and compiled once per content hash, so an edited template is used for the
 * next send without a restart.
 */
export function createTemplateRenderer(options: { dir: string }): TemplateRenderer {
  const handlebars = Handlebars.create();
  const compiled = new Map<string, CompiledTemplate>();

  async function load(templateId: string): Promise<CompiledTemplate> {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(templateId)) throw new TemplateError(`invalid template id "${templateId}"`);
    const folder = path.join(options.dir, templateId);
    const sources = await readSources(folder);
    const version = createHash('sha256').update(JSON.stringify(sources)).digest('hex').slice(0, 16);
    const cacheKey = `${templateId}@${version}`;
    const cached = compiled.get(cacheKey);
    if (cached) return cached;
    const compile = (source: string) => handlebars.compile(source, { strict: true });
    const template = {
      version,
      subject: compile(sources.subject),
      preheader: compile(sources.preheader),
      body: compile(sources.body),
    };
    compiled.set(cacheKey, template);
    return template;
  }

  return {
    async render(templateId, data) {
      const template = await load(templateId);
      const file = (name: string) => path.join(options.dir, templateId, name);
      const subject = oneLine(runTemplate(template.subject, data, file(FILES.subject)));
      const preheader = oneLine(runTemplate(template.preheader, data, file(FILES.preheader)));
      const mjml = runTemplate(template.body, { ...data, subject, preheader }, file(FILES.body));
      const html = await compileMjml(mjml, file(FILES.body));
      const text = htmlToText(html, {
        wordwrap: 100,
        selectors: [{ selector: 'img', format: 'skip' }],
      });
      return { templateId, templateVersion: template.version, subject, preheader, html, text };
    },
  };
}

async function readSources(folder: string): Promise<Record<keyof typeof FILES, string>> {
  const read = async (name: string) => {
    try {
      return await readFile(path.join(folder, name), 'utf8');
    } catch (error) {
      throw new TemplateError(`${path.join(folder, name)}: cannot read (${(error as NodeJS.ErrnoException).code})`);
    }
  };
  const [body, subject, preheader] = await Promise.all([read(FILES.body), read(FILES.subject), read(FILES.preheader)]);
  return { body, subject, preheader };
}

function runTemplate(template: Handlebars.TemplateDelegate, data: object, file: string): string {
  try {
    return template(data);
  } catch (error) {
    // Handlebars reports `"name" not defined in [object Object] - 3:10` in strict mode.
    const message = (error as Error).message;
    const at = /- (\d+):(\d+)$/.exec(message);
    const variable = /^"([^"]+)" not defined/.exec(message)?.[1];
    const where = at ? `${file}:${at[1]}:${at[2]}` : file;
    throw new TemplateError(variable ? `${where}: missing variable "${variable}"` : `${where}: ${message}`);
  }
}

async function compileMjml(source: string, file: string): Promise<string> {
  try {
    const result = await mjml2html(source, { validationLevel: 'strict', keepComments: false });
    return result.html;
  } catch (error) {
    const problems = (error as { errors?: Array<{ line: number; message: string }> }).errors;
    if (!problems?.length) throw new TemplateError(`${file}: ${(error as Error).message}`);
    // Lines are those of the rendered MJML; loops can shift them, so the tag's message says which element.
    throw new TemplateError(problems.map((problem) => `${file}:${problem.line}: ${problem.message}`).join('\n'));
  }
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}
