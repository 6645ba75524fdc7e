/**
 * Whether a database error means "Postgres could not be reached or is restarting" (try again
 * later) rather than a bug: the connection errors of postgres.js and Node, and the server's own
 * SQLSTATE classes 08 (connection exception), 57P0x (shutting down, cannot connect now) and 53300
 * (too many connections).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return unavailableCodeOf(error) !== undefined;
}

/** The code that makes `error` an outage (isDatabaseUnavailable), for a log line without the message. */
export function unavailableCodeOf(error: unknown): string | undefined {
  for (let cause: unknown = error, depth = 0; cause && depth < 5; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && unavailableCode(code)) return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

function unavailableCode(code: string): boolean {
  return (
    code.startsWith('08') ||
    /^57P0[1-3]$/.test(code) ||
    code === '53300' ||
    code.startsWith('CONNECTION_') ||
    code === 'CONNECT_TIMEOUT' ||
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)
  );
}

/**
 * Whether PostgreSQL refused a value it cannot store in text or jsonb: a NUL character (`\u0000`)
 * anywhere in a JSON string (SQLSTATE 22P05 untranslatable_character, 22021). The sender's data,
 * not a fault here: answer 400, not 500.
 */
export function isUnstorableText(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause && depth < 5; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (code === '22P05' || code === '22021') return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}
