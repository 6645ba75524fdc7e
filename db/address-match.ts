import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { emailKey } from '../domain/email-address';

/**
 * Finding rows by an address (`email` already in its canonical form, domain/email-address.ts).
 *
 * Columns cartflow wrote itself hold the canonical form; rows from before IDN support are
 * lower-cased, and a manager's address was stored as given, hence the `lower()` half.
 */
export function holdsAddress(column: SQLWrapper, email: string): SQL {
  return sql`(${column} = ${email} or lower(${column}) = ${email})`;
}

/**
 * Webhook payloads keep the address as the shop wrote it (`X@Испытание.РФ`, `x@xn--…`), which SQL
 * cannot canonicalise: this narrows to the rows that may name it, and `namesAddress` decides.
 */
export function mayHoldAddress(column: SQLWrapper, email: string): SQL {
  return sql`(lower(${column}) = ${email} or ${unusualAddressSpelling(column)})`;
}

/**
 * An address SQL cannot canonicalise: non-ASCII, punycode or quoted. Its text is also the predicate
 * of an index (db/schema.ts, cart_events_unusual_address_idx): PostgreSQL uses that index only for
 * a query that states this very condition, so both are built here.
 */
export function unusualAddressSpelling(column: SQLWrapper): SQL {
  return sql`(${column} ~ '[^\\x01-\\x7f]' or ${column} ~* 'xn--' or ${column} like '%"%')`;
}

export function namesAddress(written: unknown, email: string): boolean {
  return typeof written === 'string' && emailKey(written) === email;
}

/** The customer address a stored webhook payload names (`data.customer.email`), if any. */
export function payloadEmail(payload: unknown): unknown {
  const data = isRecord(payload) ? payload.data : undefined;
  const customer = isRecord(data) ? data.customer : undefined;
  return isRecord(customer) ? customer.email : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
