import { cp, mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { templatesDir } from '../../app/services';

/** A writable copy of the shipped templates, so a test can edit files without touching the repo. */
export async function copyOfTemplates(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-templates-'));
  await cp(templatesDir, dir, { recursive: true });
  return dir;
}

/** A templates folder with one template `t` made of the given files (shop.json and partials shipped). */
export async function templateWith(files: Record<string, string>): Promise<string> {
  const dir = await copyOfTemplates();
  await mkdir(path.join(dir, 't', 'samples'), { recursive: true });
  const defaults = {
    'subject.hbs': 'Hello {{customer.name}}',
    'preheader.hbs': 'Your cart',
    'samples/two-items.json': await import('../../templates/cart-reminder/samples/two-items.json', {
      with: { type: 'json' },
    }).then((module) => JSON.stringify(module.default)),
  };
  for (const [name, content] of Object.entries({ ...defaults, ...files })) {
    await writeFile(path.join(dir, 't', name), content);
  }
  return dir;
}

/** A minimal valid body around `content` (sections), with the shared head and footer. */
export const body = (content: string) =>
  `<mjml lang="{{@locale}}">\n{{> head}}\n<mj-body>\n${content}\n{{> footer}}\n</mj-body>\n</mjml>\n`;
