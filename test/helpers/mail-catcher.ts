import { type ParsedMail, simpleParser } from 'mailparser';
import { type Envelope, type SmtpSinkOptions, startSmtpSink } from '../../mail/smtp-sink';

export interface MailCatcher {
  url: string;
  messages: ParsedMail[];
  /** The same messages as received, byte for byte (for DKIM verification). */
  raw: Buffer[];
  /** Each message's SMTP envelope, in the same order. */
  envelopes: Envelope[];
  /** The client's SMTP commands as they arrived, e.g. `RCPT TO:<x@xn--80akhbyknj4f.xn--p1ai>`. */
  commands: string[];
  /** Resolves once `count` messages arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

/** A real SMTP server (smtp-server) that keeps every message it accepts, parsed with mailparser. */
export async function startMailCatcher(
  options: {
    rejectRecipient?: (address: string) => boolean;
    hideSmtpUtf8?: boolean;
    temporaryFailure?: SmtpSinkOptions['temporaryFailure'];
    beforeRecipientAnswer?: SmtpSinkOptions['beforeRecipientAnswer'];
    socketTimeoutMs?: number;
    /** A fixed port, e.g. the one a mailer was already pointed at while "the mail server was down". */
    port?: number;
  } = {},
): Promise<MailCatcher> {
  const messages: ParsedMail[] = [];
  const raw: Buffer[] = [];
  const envelopes: Envelope[] = [];
  const commands: string[] = [];
  const sink = await startSmtpSink({
    ...options,
    onClientCommand: (line) => commands.push(line),
    onMessage: async (bytes, envelope) => {
      raw.push(bytes);
      envelopes.push(envelope);
      messages.push(await simpleParser(bytes));
    },
  });
  return {
    url: sink.url,
    messages,
    raw,
    envelopes,
    commands,
    async waitFor(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} email(s), got ${messages.length}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return messages;
    },
    close: sink.close,
  };
}
