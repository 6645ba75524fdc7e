import { childEnvironment } from '../../config/env';

/**
 * The little of this process's environment a stack process inherits (where programs and npm's
 * cache are): everything else it gets is set by the stack, so a DATABASE_URL or LOG_LEVEL in the
 * caller's shell cannot leak into it.
 */
export function baseEnvironment(): Record<string, string | undefined> {
  const inherited = childEnvironment({});
  return Object.fromEntries(
    ['PATH', 'HOME', 'TMPDIR', 'LANG', 'npm_config_cache'].map((name) => [name, inherited[name]]),
  );
}
