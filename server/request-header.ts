import type { IncomingHttpHeaders } from 'node:http';
import type { Context } from 'hono';

/**
 * A request header, as `c.req.header(name)` gives it. Under @hono/node-server it is read from
 * Node's own parsed headers: the first `c.req.header()` there builds a web `Headers` object from
 * all of the request's headers, a cost per webhook that the hot path does not need. Node joins a
 * repeated header with ", " as `Headers.get` does. Elsewhere (`app.request()` in tests) it is
 * `c.req.header`.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const headers = nodeHeaders(c);
  if (!headers) return c.req.header(name);
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

function nodeHeaders(c: Context): IncomingHttpHeaders | undefined {
  const env: unknown = c.env;
  if (typeof env !== 'object' || env === null || !('incoming' in env)) return undefined;
  const incoming = (env as { incoming: unknown }).incoming;
  if (typeof incoming !== 'object' || incoming === null || !('headers' in incoming)) return undefined;
  const headers = (incoming as { headers: unknown }).headers;
  return typeof headers === 'object' && headers !== null ? (headers as IncomingHttpHeaders) : undefined;
}
