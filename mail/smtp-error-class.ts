import { PermanentSendError } from './mailer';

export type SmtpErrorClass = '4xx' | '5xx' | 'network' | 'other';

// nodemailer's connection-level codes, and Node's socket errors under them.
const NETWORK_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** Which kind of SMTP failure an error from the mailer is, for cartflow_smtp_errors_total. */
export function smtpErrorClass(error: unknown): SmtpErrorClass {
  if (error instanceof PermanentSendError) return '5xx';
  const { responseCode, code } = (error ?? {}) as { responseCode?: unknown; code?: unknown };
  if (typeof responseCode === 'number' && responseCode >= 400 && responseCode < 500) return '4xx';
  if (typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600) return '5xx';
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'network';
  return 'other';
}
