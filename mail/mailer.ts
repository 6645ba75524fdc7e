import nodemailer from 'nodemailer';

export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Deterministic Message-ID (`<…@…>`), derived from the send key. */
  messageId: string;
  /** Extra headers, e.g. List-Unsubscribe; `prepared` values are written as they are (no folding). */
  headers?: Record<string, string | { prepared: boolean; value: string }>;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<{ response: string }>;
  /** Connects, greets and logs in without sending: the readiness check. */
  verify(): Promise<void>;
  close(): void;
}

/** An SMTP answer that will not change on retry (5xx): the address or message is refused. */
export class PermanentSendError extends Error {
  override name = 'PermanentSendError';
  constructor(
    message: string,
    readonly responseCode: number,
    /** The server's own words, e.g. `550 5.1.1 mailbox unavailable` (kept as the bounce's detail). */
    readonly response?: string,
  ) {
    super(message);
  }
}

export interface DkimSettings {
  domainName: string;
  keySelector: string;
  /** PEM text of the private key. */
  privateKey: string;
}

/**
 * Signed explicitly: nodemailer's default list leaves out List-Unsubscribe-Post, and Gmail and
 * Yahoo honour one-click unsubscribe only when DKIM covers both List-Unsubscribe headers (RFC 8058).
 */
export const DKIM_SIGNED_HEADERS = [
  'From',
  'Sender',
  'Reply-To',
  'To',
  'Cc',
  'Subject',
  'Date',
  'Message-ID',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
].join(':');

/** A pooled nodemailer SMTP transport; `url` is e.g. smtp://user:pass@mail.example.com:587. */
export function createSmtpMailer(options: { url: string; from: string; dkim?: DkimSettings }): Mailer {
  const transport = nodemailer.createTransport({
    url: options.url,
    ...(options.dkim ? { dkim: { ...options.dkim, headerFieldNames: DKIM_SIGNED_HEADERS } } : {}),
    pool: true,
    maxConnections: 5,
    // Well inside the send activity's 1-minute timeout (nodemailer's own default is 10 minutes), so
    // an attempt Temporal gave up on cannot still deliver after its retry did (see STALE_CLAIM_MS).
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(email) {
      try {
        const info = await transport.sendMail({ from: options.from, ...email });
        return { response: String(info.response ?? '') };
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        if (code !== undefined && code >= 500 && code < 600) {
          const response = (error as { response?: string }).response;
          throw new PermanentSendError(`SMTP rejected the message permanently (${code})`, code, response);
        }
        // nodemailer's messages quote the server's answer, which often names the recipient; this
        // error ends up in Temporal's history and the worker's log: codes only (Temporal retries it).
        const kind = (error as { code?: unknown }).code;
        throw Object.assign(new Error(`SMTP send failed (${code ?? (typeof kind === 'string' ? kind : 'no code')})`), {
          code: kind,
          responseCode: code,
        });
      }
    },
    async verify() {
      await transport.verify();
    },
    close: () => transport.close(),
  };
}
