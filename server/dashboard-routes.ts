import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type MiddlewareHandler } from 'hono';

const require = createRequire(import.meta.url);
const pageDir = fileURLToPath(new URL('./dashboard', import.meta.url));
const packageFile = (name: string, file: string) => path.join(path.dirname(require.resolve(name)), file);

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** Every file the page loads, from this folder or node_modules: nothing else can be asked for. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'app.js': { file: path.join(pageDir, 'app.js'), type: JS },
  'app.css': { file: path.join(pageDir, 'app.css'), type: CSS },
  // chart.js resolves to dist/chart.cjs and the plugin to build/index.cjs: their UMD builds lie beside them.
  'lib/chart.umd.min.js': { file: packageFile('chart.js', 'chart.umd.min.js'), type: JS },
  'lib/chartjs-chart-error-bars.umd.min.js': {
    file: packageFile('chartjs-chart-error-bars', 'index.umd.min.js'),
    type: JS,
  },
};

// The page holds no data and its script only talks to this origin; it is never framed and never
// leaks the URL in a Referer. Chart.js styles canvases through the CSSOM, which style-src allows.
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
};

/**
 * `GET /admin/dashboard`: a static page, its script and the chart library. It holds no data, so it
 * needs no token: the page asks for one and sends it to the reports API as a bearer token.
 * `enabled`: the server has an ADMIN_TOKEN; without one the reports API is off, and the page says
 * so and how to turn it on instead of asking for a token that does not exist. Mounted at /admin.
 */
export function dashboardRoutes({ enabled }: { enabled: boolean }) {
  const routes = new Hono();
  const cache = new Map<string, Promise<string>>();
  const read = (file: string) => {
    let cached = cache.get(file);
    if (!cached) {
      cached = readFile(file, 'utf8');
      cache.set(file, cached);
      cached.catch(() => cache.delete(file)); // a failed read is tried again next time
    }
    return cached;
  };

  routes.use('/dashboard', securityHeaders);
  routes.use('/dashboard/*', securityHeaders);

  routes.get('/dashboard', async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.html(await read(path.join(pageDir, enabled ? 'index.html' : 'off.html')));
  });

  // The page's links are relative to /admin/dashboard: under a trailing slash they would all miss.
  routes.get('/dashboard/', (c) => c.redirect('/admin/dashboard', 301));

  routes.get('/dashboard/:file{.+}', async (c) => {
    const asset = Object.hasOwn(ASSETS, c.req.param('file')) ? ASSETS[c.req.param('file')] : undefined;
    if (!asset) return c.json({ error: 'not_found', message: `no dashboard file ${c.req.path}` }, 404);
    c.header('Cache-Control', 'no-cache');
    return c.body(await read(asset.file), 200, { 'Content-Type': asset.type });
  });

  return routes;
}
