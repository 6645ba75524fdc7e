/**
 * What a bounce says about the recipient, from SMTP answers and from delivery status notifications
 * (DSNs, RFC 3464). Pure: the inbound listener and the send activity decide with it.
 */

export type BounceType = 'hard_bounce' | 'soft_bounce';

/**
 * What a 5xx at send time says about the recipient, from its enhanced status code (RFC 3463):
 * `5.1.x` (bad address) and `5.2.x` (mailbox) are hard bounces. Any other class is about the
 * message, the sender or the route (`5.7.515`: unauthenticated bulk mail, `5.7.1`: blocked for
 * policy), so it counts as a soft bounce, as SendGrid's `blocked` does: suppressing the address
 * for our own DNS mistake would lose a good customer. A 5xx with no enhanced code is a hard bounce.
 */
export function smtpRejectionType(response: string | undefined): BounceType {
  const enhanced = /\b5\.(\d{1,3})\.\d{1,3}\b/.exec(response ?? '');
  if (!enhanced) return 'hard_bounce';
  return enhanced[1] === '1' || enhanced[1] === '2' ? 'hard_bounce' : 'soft_bounce';
}

/** One per-recipient block of a `message/delivery-status` part; field names lower-cased. */
export interface RecipientStatus {
  finalRecipient?: string;
  action?: string;
  status?: string;
  diagnosticCode?: string;
}

/**
 * Reads a `message/delivery-status` body: a per-message block, a blank line, then one block per
 * recipient, each in header syntax (folded lines allowed). Unknown fields are ignored.
 */
export function parseDeliveryStatus(body: string): RecipientStatus[] {
  const blocks = body
    .replace(/\r\n/g, '\n')
    .replace(/\n[ \t]+/g, ' ')
    .split(/\n\s*\n/)
    .map((block) => fieldsOf(block))
    .filter((fields) => fields.size > 0);
  return blocks.slice(1).map((fields) => ({
    ...optional('finalRecipient', fields.get('final-recipient')),
    ...optional('action', fields.get('action')?.toLowerCase()),
    ...optional('status', /^\d\.\d{1,3}\.\d{1,3}/.exec(fields.get('status') ?? '')?.[0]),
    ...optional('diagnosticCode', fields.get('diagnostic-code')),
  }));
}

function fieldsOf(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of block.split('\n')) {
    const match = /^([A-Za-z0-9-]+)\s*:\s*(.*)$/.exec(line.trim());
    if (match?.[1] && !fields.has(match[1].toLowerCase())) fields.set(match[1].toLowerCase(), (match[2] ?? '').trim());
  }
  return fields;
}

const optional = <K extends keyof RecipientStatus>(key: K, value: string | undefined) =>
  value ? { [key]: value } : {};

export interface DsnBounce {
  type: BounceType;
  /** The enhanced status code, e.g. `5.1.1`. */
  status: string;
  /** `Status 5.1.1: smtp; 550 5.1.1 user unknown`, addresses blanked out. */
  detail: string;
}

/**
 * The bounce a DSN reports, if any. Only `Action: failed` counts: `delayed` means the sending
 * server is still trying (counting it would turn one slow mailbox into several soft bounces), and
 * `delivered`, `relayed` and `expanded` are successes. A 5.x.x status is classified like an SMTP
 * rejection (5.1.x and 5.2.x hard, the rest soft); a 4.x.x one (the server gave up on a temporary
 * failure, e.g. 4.2.2 mailbox full) is a soft bounce.
 */
export function bounceOf(recipients: readonly RecipientStatus[]): DsnBounce | undefined {
  const failed = recipients.find(
    (recipient) => recipient.action === 'failed' && /^[45]\./.test(recipient.status ?? ''),
  );
  if (!failed?.status) return undefined;
  const type = failed.status.startsWith('5.') ? smtpRejectionType(failed.status) : 'soft_bounce';
  const diagnostic = failed.diagnosticCode ? `: ${failed.diagnosticCode}` : '';
  return {
    type,
    status: failed.status,
    detail: withoutAddresses(`Status ${failed.status}${diagnostic}`).slice(0, 500),
  };
}

/** The row already holds the address; details are for reading and should not repeat it. */
function withoutAddresses(text: string): string {
  return text.replace(/<?[^\s<>@;:]+@[^\s<>;:]+>?/g, '<address>');
}

/**
 * Out-of-office and other automatic replies (RFC 3834 `Auto-Submitted`, and the older headers
 * Exchange and vacation programs still send). They neither bounce nor unsubscribe.
 */
export function isAutoReply(header: (name: string) => string | undefined): boolean {
  const autoSubmitted = header('auto-submitted')?.trim().toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith('no')) return true;
  if (header('x-autoreply') !== undefined || header('x-autorespond') !== undefined) return true;
  return /^\s*auto[_-]reply\s*$/i.test(header('precedence') ?? '');
}
