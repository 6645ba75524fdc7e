import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  /** smtp:// URL to hand to the mailer. */
  url: string;
  close(): Promise<void>;
}

/** The SMTP envelope of a message: MAIL FROM (empty for a bounce), every RCPT TO, and SMTPUTF8. */
export interface Envelope {
  from: string;
  to: string[];
  smtpUtf8: boolean;
}

export interface SmtpSinkOptions {
  host?: string;
  port?: number;
  onMessage: (raw: Buffer, envelope: Envelope) => Promise<void>;
  /** Answer `550` for these recipients (lets tests exercise permanent rejections). */
  rejectRecipient?: (address: string) => boolean;
  /** A 4xx to answer at this stage instead of accepting (fault tests: a busy or greylisting relay). */
  temporaryFailure?: (stage: 'rcpt' | 'data') => 421 | 451 | undefined;
  /** Leave SMTPUTF8 out of the EHLO reply, as a relay without RFC 6531 support does. */
  hideSmtpUtf8?: boolean;
  /** Every command line the client sent, as sent (smtp-server reports addresses with U-labels). */
  onClientCommand?: (line: string) => void;
  /** Runs before a recipient is answered; the answer waits for it (fault tests: freeze the client there). */
  beforeRecipientAnswer?: (address: string) => Promise<void>;
  /** How long a silent client's connection stays open. Default smtp-server's, 1 minute. */
  socketTimeoutMs?: number;
}

/**
 * A real SMTP server (smtp-server) that accepts every message and hands over its raw bytes:
 * the embedded default of `npm start` (writing .eml files) and the mail catcher of the tests.
 */
export async function startSmtpSink(options: SmtpSinkOptions): Promise<SmtpSink> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: options.onClientCommand ? commandLogger(options.onClientCommand) : false,
    hideSMTPUTF8: options.hideSmtpUtf8 ?? false,
    ...(options.socketTimeoutMs === undefined ? {} : { socketTimeout: options.socketTimeoutMs }),
    onRcptTo(address, _session, callback) {
      const before = options.beforeRecipientAnswer?.(address.address) ?? Promise.resolve();
      before.then(
        () => answerRecipient(options, address.address, callback),
        (error: unknown) => callback(error as Error),
      );
    },
    onData(stream, session, callback) {
      const { mailFrom, rcptTo, smtpUtf8 } = session.envelope;
      const envelope = {
        from: mailFrom ? mailFrom.address : '',
        to: rcptTo.map((rcpt) => rcpt.address),
        smtpUtf8: smtpUtf8 ?? false,
      };
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const busy = options.temporaryFailure?.('data');
        if (busy) return callback(Object.assign(new Error('4.3.2 try again later'), { responseCode: busy }));
        options.onMessage(Buffer.concat(chunks), envelope).then(() => callback(), callback);
      });
    },
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** 550 for a rejected recipient, the 4xx of a busy relay, or OK. */
function answerRecipient(
  options: Pick<SmtpSinkOptions, 'rejectRecipient' | 'temporaryFailure'>,
  address: string,
  callback: (error?: Error | null) => void,
): void {
  if (options.rejectRecipient?.(address)) {
    callback(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
    return;
  }
  const busy = options.temporaryFailure?.('rcpt');
  if (busy) return callback(Object.assign(new Error('4.3.2 try again later'), { responseCode: busy }));
  callback();
}

/** A logger for smtp-server that hands on the client's commands and drops everything else. */
function commandLogger(onClientCommand: (line: string) => void) {
  const ignore = () => undefined;
  return {
    trace: ignore,
    info: ignore,
    warn: ignore,
    error: ignore,
    fatal: ignore,
    debug(entry: { tnx?: string }, _prefix: string, line: unknown) {
      if (entry.tnx === 'command' && typeof line === 'string') onClientCommand(line);
    },
  };
}

/**
 * Writes each message as `<dir>/<time>-<id>.eml`, atomically (a reader never sees half a file),
 * with the Return-Path line a delivering mail server adds, so the envelope sender can be checked.
 */
export function outboxWriter(dir: string): (raw: Buffer, envelope: Envelope) => Promise<void> {
  return async (raw, envelope) => {
    await mkdir(dir, { recursive: true });
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.eml`;
    const tmp = path.join(dir, `.${name}.tmp`);
    await writeFile(tmp, Buffer.concat([Buffer.from(`Return-Path: <${envelope.from}>\r\n`), raw]));
    await rename(tmp, path.join(dir, name));
  };
}
