import type { Connection } from '@temporalio/client';
import { CART_SEARCH_ATTRIBUTES } from '../workflows/definitions';

/**
 * Registers the cart workflows' search attributes on a server that has no `--search-attribute`
 * flags (the time-skipping test server; a self-hosted cluster: see docker-compose.yml).
 * Idempotent: attributes that exist already are left as they are.
 */
export async function registerCartSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { temporal } = (await import('@temporalio/proto')).default;
  const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  const existing = await connection.operatorService
    .listSearchAttributes({ namespace })
    .then((answer) => Object.keys(answer.customAttributes ?? {}))
    .catch(() => [] as string[]);
  const missing = Object.values(CART_SEARCH_ATTRIBUTES)
    .map((key) => key.name)
    .filter((name) => !existing.includes(name));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((name) => [name, keyword])),
  });
}

/** For dev servers' `--search-attribute` flags (app/temporal-dev-server.ts). */
export const cartSearchAttributeKeys = Object.values(CART_SEARCH_ATTRIBUTES);
