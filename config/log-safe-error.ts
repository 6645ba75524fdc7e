/**
 * How an error is written to the log without the personal data some errors carry:
 * - drizzle's DrizzleQueryError puts the statement's parameters (emails, names, carts) in its
 *   message (`Failed query: …\nparams: …`) and in `params`;
 * - PostgreSQL's `detail` repeats the values of a row (`Key (shop_id, email)=(…)`, `Failing row
 *   contains (…)`), and postgres.js adds `parameters` and `args` in debug mode;
 * - SMTP answers (`response`, `command`) name the recipient (`550 <x@example.org> unknown`).
 * Kept: the type, the SQLSTATE or errno code, the table, column and constraint, the SQL text
 * (placeholders only) and the stack's frames, which are what an operator needs to act.
 */

/** Fields that repeat the values a statement or a message was about. */
const VALUE_FIELDS = new Set(['params', 'parameters', 'args', 'types', 'detail', 'where', 'raw']);
/** An address anywhere in a string: local part, @, domain (IDN included). */
const EMAIL = /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+/gu;
const MAX_CAUSES = 5;

export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  cause?: unknown;
  [field: string]: unknown;
}

/** pino's `err` serializer: the error and its causes, minus the values they were about. */
export function safeError(error: unknown, depth = 0): unknown {
  if (!isErrorLike(error)) return typeof error === 'string' ? maskEmails(error) : error;
  const message = safeMessage(error);
  const out: SafeError = { type: error.constructor?.name || error.name, message };
  if (error.stack) out.stack = safeStack(error.stack, error.message, message);
  for (const [field, value] of Object.entries(error)) {
    if (VALUE_FIELDS.has(field) || field === 'cause' || field === 'message' || field === 'stack') continue;
    out[field] = safeField(value);
  }
  if (error.cause !== undefined && depth < MAX_CAUSES) out.cause = safeError(error.cause, depth + 1);
  if (error instanceof AggregateError) out.errors = error.errors.map((inner: unknown) => safeError(inner, depth + 1));
  return out;
}

/**
 * An Error, or one made in another realm (a workflow's V8 context, a worker thread), which is not
 * `instanceof` this realm's Error but carries the same values.
 */
function isErrorLike(value: unknown): value is Error {
  if (value instanceof Error) return true;
  const candidate = value as { message?: unknown; stack?: unknown } | null;
  return typeof value === 'object' && typeof candidate?.message === 'string' && typeof candidate.stack === 'string';
}

function safeMessage(error: Error): string {
  // DrizzleQueryError: the SQL (placeholders only) without the `params:` line after it.
  const query = (error as { query?: unknown }).query;
  if ('params' in error && typeof query === 'string' && error.message.startsWith('Failed query:')) {
    return `Failed query: ${query}`;
  }
  return maskEmails(error.message);
}

/** The stack's first lines repeat the message: they get the safe one, the frames stay. */
function safeStack(stack: string, message: string, safe: string): string {
  if (message && stack.includes(message)) return maskEmails(stack.replace(message, safe));
  return maskEmails(stack);
}

function safeField(value: unknown): unknown {
  if (typeof value === 'string') return maskEmails(value);
  if (isErrorLike(value)) return safeError(value, MAX_CAUSES);
  return value;
}

function maskEmails(text: string): string {
  return text.replace(EMAIL, '[email]');
}
