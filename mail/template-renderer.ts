import path from 'node:path';
import {
  type CompiledTemplate,
  type RenderOptions,
  type RenderedEmail,
  compileTemplate,
  renderCompiled,
} from './template-compiler';
import { TemplateError } from './template-errors';
import { PARTIALS_FOLDER, type TemplateSources, loadTemplateSources, resolveLocale } from './template-source';
import { fingerprint, watchFolders } from './template-watch';

export { TemplateError };
export type { RenderOptions, RenderedEmail };

export interface TemplateRenderer {
  render(templateId: string, data: object, options?: RenderOptions): Promise<RenderedEmail>;
  /**
   * The language `render` will use for a customer: their own when the template has it, else the
   * shop's default. Data that formats prices before rendering (domain/cart-email-data.ts) asks
   * this first, so the prices are in the language of the words around them.
   */
  languageFor(templateId: string, customerLocale: string): Promise<string>;
}

export interface TemplateRendererOptions {
  dir: string;
  /** How often (ms) a render may check file modification times, in case a change event was missed. */
  recheckEveryMs?: number;
  /** `false`: no file watch, only the modification-time check (for file systems without change events). */
  watch?: boolean;
  /** The clock the recheck interval is measured on (ms); tests step it instead of sleeping. */
  now?: () => number;
}

interface Loaded {
  sources: Promise<TemplateSources>;
  /** Modification times of the files read, as `fingerprint` gives them. */
  fingerprint: Promise<string | undefined>;
  checkedAt: number;
}

/**
 * Renders `templates/<id>/`. A template's files are read once and kept until they change (a file
 * watch on its folders, and at most once a second a check of their modification times), then
 * compiled once per content hash and locale. So an edited template is used for the next send
 * without a restart, while a send itself reads no file and runs only compiled Handlebars.
 */
export function createTemplateRenderer(options: TemplateRendererOptions): TemplateRenderer {
  const recheckEveryMs = options.recheckEveryMs ?? 1000;
  const now = options.now ?? Date.now;
  const loaded = new Map<string, Loaded>();
  const compiled = new Map<string, Promise<CompiledTemplate>>();
  // Any change reloads every template: partials and shop.json are shared, and a reload that
  // finds the same content hash reuses the compiled template.
  const folders = options.watch === false ? { add() {} } : watchFolders(() => loaded.clear());

  function load(templateId: string): Loaded {
    folders.add(options.dir);
    folders.add(path.join(options.dir, PARTIALS_FOLDER));
    const sources = loadTemplateSources(options.dir, templateId);
    const entry: Loaded = {
      sources,
      fingerprint: sources.then((loadedSources) => fingerprint(sourcePaths(options.dir, loadedSources))),
      checkedAt: now(),
    };
    sources.then(
      (loadedSources) => folders.add(loadedSources.folder),
      () => {
        if (loaded.get(templateId) === entry) loaded.delete(templateId); // read again (and fail again) next time
      },
    );
    entry.fingerprint.catch(() => undefined);
    loaded.set(templateId, entry);
    return entry;
  }

  async function sourcesFor(templateId: string): Promise<TemplateSources> {
    const entry = loaded.get(templateId);
    if (!entry) return load(templateId).sources;
    const checkedAt = now();
    if (checkedAt - entry.checkedAt < recheckEveryMs) return entry.sources;
    entry.checkedAt = checkedAt;
    const [sources, before] = await Promise.all([entry.sources, entry.fingerprint]);
    const current = await fingerprint(sourcePaths(options.dir, sources));
    if (before !== undefined && current === before) return sources;
    const latest = loaded.get(templateId);
    return (latest && latest !== entry ? latest : load(templateId)).sources;
  }

  function compiledFor(sources: TemplateSources, locale: string): Promise<CompiledTemplate> {
    const key = `${sources.id}@${sources.version}:${locale}`;
    let template = compiled.get(key);
    if (!template) {
      // Older versions of this template are never asked for again.
      for (const old of compiled.keys()) {
        if (old.startsWith(`${sources.id}@`) && !old.startsWith(`${sources.id}@${sources.version}:`))
          compiled.delete(old);
      }
      template = compileTemplate(sources, locale);
      compiled.set(key, template);
      template.catch(() => compiled.delete(key)); // a broken version is compiled again (and fails again) next time
    }
    return template;
  }

  return {
    async languageFor(templateId, customerLocale) {
      return resolveLocale(await sourcesFor(templateId), customerLocale);
    },
    async render(templateId, data, renderOptions = {}) {
      const sources = await sourcesFor(templateId);
      const requested = renderOptions.locale ?? (data as { locale?: string }).locale;
      const template = await compiledFor(sources, resolveLocale(sources, requested));
      return renderCompiled(template, data, renderOptions);
    },
  };
}

/** Every file and folder a template version is made of: adding a file changes its folder's time. */
function sourcePaths(root: string, sources: TemplateSources): string[] {
  return [
    root,
    path.join(root, 'shop.json'),
    sources.folder,
    path.join(root, PARTIALS_FOLDER),
    ...[...sources.files.values(), ...sources.partials.values()].map((file) => file.path),
  ];
}
