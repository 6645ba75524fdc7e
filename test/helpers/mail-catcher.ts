import { type ParsedMail, simpleParser } from 'mailparser';
import { type Envelope, startSmtpSink } from '../../mail/smtp-sink';

export interface MailCatcher {
  url: string;
  messages: ParsedMail[];
  /** The same messages as received, byte for byte (for DKIM verification). */
  raw: Buffer[];
  /** Each message's SMTP envelope (MAIL FROM is what the receiver's Return-Path shows). */
  envelopes: Envelope[];
  /** Resolves once `count` messages arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

/** A real SMTP server (smtp-server) that keeps every message it accepts, parsed with mailparser. */
export async function startMailCatcher(
  options: { rejectRecipient?: (address: string) => boolean } = {},
): Promise<MailCatcher> {
  const messages: ParsedMail[] = [];
  const raw: Buffer[] = [];
  const envelopes: Envelope[] = [];
  const sink = await startSmtpSink({
    rejectRecipient: options.rejectRecipient,
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
