import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { ipPrefix } from '../tracking/ip-prefix';

/**
 * The network a request came from (IPv4 /24, IPv6 /48), never the address. Behind a reverse proxy
 * (TRUST_PROXY) the first X-Forwarded-For entry is the client; without it that header is anyone's
 * to write, so only the TCP peer counts.
 */
export function clientNetwork(c: Context, { trustProxy }: { trustProxy: boolean }): string | null {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    // A proxy that forwarded garbage: the proxy's own address would only mislead.
    if (forwarded) return ipPrefix(forwarded);
  }
  try {
    return ipPrefix(getConnInfo(c).remote.address);
  } catch {
    return null; // not served by @hono/node-server (e.g. `app.request()` in a test): no socket
  }
}
