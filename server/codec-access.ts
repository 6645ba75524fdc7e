import type { MiddlewareHandler } from 'hono';
import { requireAdminToken } from './bearer-auth';

/** The origins a browser gives the embedded Temporal UI: both names of the loopback address. */
export function embeddedUiOrigins(uiPort: number): string[] {
  return [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`];
}

/** True for a host name, address or `Host` header value (`name:port`, `[v6]:port`) that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[')
    ? host.slice(1, host.indexOf(']'))
    : host.split(':').length > 2
      ? host // a bare IPv6 address
      : host.replace(/:\d+$/, '');
  return ['localhost', '::1'].includes(name.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(name);
}

/** This server's codec endpoint as a browser or CLI on the same machine reaches it. */
export function localCodecEndpoint({ host, port }: { host: string; port: number }): string {
  const name = isLoopbackHost(host) ? host : '127.0.0.1';
  return `http://${name.includes(':') && !name.startsWith('[') ? `[${name}]` : name}:${port}/codec`;
}

export interface CodecAccessOptions {
  /** ADMIN_TOKEN: when set, every codec request needs it. */
  adminToken?: string;
  /**
   * Only under `npm start` with the embedded Temporal server, ADMIN_TOKEN unset and the HTTP server
   * on loopback: the embedded UI's origins, whose requests (and those without an Origin, i.e. the
   * CLI on this machine) are served without a token. See docs/privacy.md.
   */
  localUiOrigins?: readonly string[];
}

/**
 * Who may decode payloads. With ADMIN_TOKEN: whoever sends it. Without, on the embedded local
 * default: this machine's embedded UI and CLI, and no web page or DNS name (a rebinding attack
 * carries its own Host and Origin). Otherwise the endpoint does not exist.
 */
export function codecAccess({ adminToken, localUiOrigins }: CodecAccessOptions): MiddlewareHandler {
  if (adminToken || !localUiOrigins) return requireAdminToken(adminToken, 'the codec endpoint');
  const origins = new Set(localUiOrigins);
  return async (c, next) => {
    const origin = c.req.header('origin');
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    if (isLoopbackHost(host) && (origin === undefined || origins.has(origin))) return next();
    return c.json(
      {
        error: 'forbidden',
        message:
          'without ADMIN_TOKEN the codec endpoint answers only the embedded Temporal UI ' +
          `(${[...origins].join(', ')}) and clients on this machine`,
      },
      403,
    );
  };
}
