import type { MiddlewareHandler } from 'hono';

/**
 * The page policy of HTML answers that bring none of their own (the tracked-link error pages,
 * 404s): nothing loads but inline styles, nothing frames them.
 */
export const DEFAULT_HTML_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// Nothing this server answers is meant to be framed: the template preview that frames emails is
// `npm run templates -- serve`, a separate local server (cli/templates-serve.ts).
const EVERY_RESPONSE: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  // Links carry signed tokens: they must not travel on to the shop or anyone else in a Referer.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * Security headers on every response; a route's own value wins (the dashboard and the unsubscribe
 * pages set a stricter or different policy). Hono's secureHeaders overwrites route headers and adds
 * Cross-Origin-Resource-Policy: same-origin, which would break the open pixel in webmail.
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    for (const [name, value] of Object.entries(EVERY_RESPONSE)) if (!headers.has(name)) headers.set(name, value);
    const html = headers.get('Content-Type')?.toLowerCase().startsWith('text/html') ?? false;
    if (html && !headers.has('Content-Security-Policy')) headers.set('Content-Security-Policy', DEFAULT_HTML_CSP);
  };
}
