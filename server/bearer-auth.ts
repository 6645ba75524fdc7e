import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';

export interface BearerTokenOptions {
  /** The configured token; unset: the endpoints do not exist (404 "disabled"). */
  token: string | undefined;
  /** What the token guards, for the "disabled" message: `the privacy API`. */
  feature: string;
  /** The variable that sets it, named in the 404 and 401 messages: `ADMIN_TOKEN`. */
  variable: string;
}

/**
 * `Authorization: Bearer <token>`. Unset token: the endpoints do not exist (404), so a deployment
 * that never configured one exposes nothing.
 */
export function requireBearerToken({ token, feature, variable }: BearerTokenOptions): MiddlewareHandler {
  return async (c, next) => {
    if (!token) {
      return c.json({ error: 'disabled', message: `${feature} is disabled: set ${variable} to enable it` }, 404);
    }
    if (!matchesToken(c, token)) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json({ error: 'unauthorized', message: `send Authorization: Bearer <${variable}>` }, 401);
    }
    await next();
  };
}

/** The privacy API, the reports API and the codec endpoint: `Authorization: Bearer <ADMIN_TOKEN>`. */
export function requireAdminToken(token: string | undefined, feature: string): MiddlewareHandler {
  return requireBearerToken({ token, feature, variable: 'ADMIN_TOKEN' });
}

function matchesToken(c: Context, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
  if (!match) return false;
  // Hashing first gives equal lengths, so the comparison time says nothing about the token either.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}
