import {
  type CompiledTemplate,
  type RenderOptions,
  type RenderedEmail,
  compileTemplate,
  renderCompiled,
} from './template-compiler';
import { TemplateError } from './template-errors';
import { type TemplateSources, loadTemplateSources, resolveLocale } from './template-source';

export { TemplateError };
export type { RenderOptions, RenderedEmail };

export interface TemplateRenderer {
  render(templateId: string, data: object, options?: RenderOptions): Promise<RenderedEmail>;
}

/**
 * Renders `templates/<id>/`. The files are read again on every render and compiled once per
 * content hash and locale, so an edited template is used for the next send without a restart,
 * while a send itself only runs compiled Handlebars functions.
 */
export function createTemplateRenderer(options: { dir: string }): TemplateRenderer {
  const compiled = new Map<string, Promise<CompiledTemplate>>();

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
    async render(templateId, data, renderOptions = {}) {
      const sources = await loadTemplateSources(options.dir, templateId);
      const requested = renderOptions.locale ?? (data as { locale?: string }).locale;
      const template = await compiledFor(sources, resolveLocale(sources, requested));
      return renderCompiled(template, data, renderOptions);
    },
  };
}
