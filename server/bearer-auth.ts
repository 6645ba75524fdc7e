import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';

/**
 * `Authorization: Bearer <ADMIN_TOKEN>` for the privacy API and the codec endpoint. Unset token:
 * the endpoints do not exist (404), so a deployment that never configured one exposes nothing.
 */
export function requireAdminToken(token: string | undefined, feature: string): MiddlewareHandler {
  return async (c, next) => {
    if (!token) {
      return c.json({ error: 'disabled', message: `${feature} is disabled: set ADMIN_TOKEN to enable it` }, 404);
    }
    if (!matchesToken(c, token)) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json({ error: 'unauthorized', message: 'send Authorization: Bearer <ADMIN_TOKEN>' }, 401);
    }
    await next();
  };
}

function matchesToken(c: Context, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
  if (!match) return false;
  // Hashing first gives equal lengths, so the comparison time says nothing about the token either.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}
