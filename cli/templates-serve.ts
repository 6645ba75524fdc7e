import { type FSWatcher, watch } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TemplateError } from '../mail/template-errors';
import { createTemplateRenderer } from '../mail/template-renderer';
import { loadSample } from '../mail/template-samples';
import { listTemplateIds, loadTemplateSources, resolveLocale } from '../mail/template-source';
import { previewPage } from './templates-page';

export interface TemplatesServer {
  url: string;
  close(): Promise<void>;
}

/**
 * `cartflow templates serve`: a local page listing every template, rendered with its samples at
 * desktop and phone widths. Files are read on every request and a change anywhere in the folder
 * tells open pages to render again.
 */
export async function serveTemplates(options: { dir: string; port: number; host: string }): Promise<TemplatesServer> {
  const renderer = createTemplateRenderer({ dir: options.dir });
  const listeners = new Set<ServerResponse>();

  async function templates() {
    return Promise.all(
      (await listTemplateIds(options.dir)).map(async (id) => {
        try {
          const sources = await loadTemplateSources(options.dir, id);
          const subjects = (sources.files.get('subject.hbs')?.content ?? '').split('\n').filter((line) => line.trim());
          return {
            id,
            version: sources.version,
            locales: sources.locales,
            samples: sources.samples,
            subjects: subjects.length,
          };
        } catch (error) {
          return { id, error: (error as Error).message };
        }
      }),
    );
  }

  async function render(query: URLSearchParams) {
    const id = query.get('template') ?? '';
    const sources = await loadTemplateSources(options.dir, id);
    const locale = resolveLocale(sources, query.get('locale') ?? undefined);
    const sample = query.get('sample') ?? sources.samples[0];
    if (!sample || !sources.samples.includes(sample)) throw new TemplateError(`${id}: no sample "${sample ?? ''}"`);
    const data = await loadSample(sources, sample, { locale });
    return renderer.render(id, data, { locale, subjectVariant: subjectVariantOf(query.get('variant')) });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(previewPage);
    } else if (url.pathname === '/api/templates') {
      json(200, await templates());
    } else if (url.pathname === '/api/render') {
      try {
        json(200, await render(url.searchParams));
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        json(422, { error: error.message });
      }
    } else if (url.pathname === '/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      response.write(': connected\n\n');
      listeners.add(response);
      request.on('close', () => listeners.delete(response));
    } else {
      json(404, { error: 'not found' });
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: (error as Error).message }));
    });
  });
  let pending: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(options.dir, { recursive: true }, () => {
    // Editors write a file in several steps: announce one change once they are done.
    clearTimeout(pending);
    pending = setTimeout(() => {
      for (const listener of listeners) listener.write('data: change\n\n');
    }, 150);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      watcher.close();
      const taken = error.code === 'EADDRINUSE';
      reject(taken ? new TemplateError(`port ${options.port} is in use: choose another with --port`) : error);
    });
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/`,
    async close() {
      watcher.close();
      clearTimeout(pending);
      for (const listener of listeners) listener.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The page's `variant`: the subject line's 0-based index (the page shows it from 1). */
function subjectVariantOf(value: string | null): number {
  if (value === null) return 0;
  if (!/^\d{1,4}$/.test(value))
    throw new TemplateError(`variant must be a subject line's index from 0, not "${value.slice(0, 20)}"`);
  return Number(value);
}
