import { type KeyObject, createPrivateKey } from 'node:crypto';
import type { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import { needsSmtpUtf8 } from '../domain/email-address';
import { textPart } from './mime-part';
import { rawMessage } from './raw-message';
import { relayAnnouncesSmtpUtf8 } from './smtp-extensions';
import { type SendDeadline, SendDeadlinePassedError, readUntilDeadline } from './send-deadline';

/**
 * Where a send's deadline check rides along in nodemailer's message data, for the stream plugin
 * (a string: nodemailer copies the data's own enumerable string keys only).
 */
const deadlineCheck = 'cartflowDeadlineCheck';

export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Deterministic Message-ID (`<…@…>`), derived from the send key. */
  messageId: string;
  /** Extra headers, e.g. List-Unsubscribe; `prepared` values are written as they are (no folding). */
  headers?: Record<string, string | { prepared: boolean; value: string }>;
  /** The envelope sender (MAIL FROM, the receiver's Return-Path), e.g. a VERP address; default: the From address. */
  returnPath?: string; /** The From header, when the email's shop has its own; default: the mailer's `from` (MAIL_FROM). */
  from?: string;
  replyTo?: string;
  /** The shop's own DKIM key, so its mail aligns with its own From domain; default: the mailer's (DKIM_*). */
  dkim?: DkimSettings;
}

export interface SendOptions {
  /** Past it the email is not handed over (SendDeadlinePassedError), even mid-conversation. */
  deadline?: SendDeadline;
}

export interface Mailer {
  send(email: OutgoingEmail, options?: SendOptions): Promise<{ response: string }>;
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

/**
 * The relay cannot carry this address, whatever the recipient's server would say: a non-ASCII
 * local part needs SMTPUTF8 (RFC 6531) all the way. Permanent until the relay changes, but no
 * bounce: the address is not at fault, so it is not suppressed.
 */
export class UnsendableAddressError extends Error {
  override name = 'UnsendableAddressError';
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
  'List-Id',
  // Gmail's feedback loop only trusts a Feedback-ID that the sending domain's signature covers.
  'Feedback-ID',
].join(':');

/**
 * What nodemailer is given for one email: the same for an SMTP send and a composed message file.
 * The body parts go in already encoded (mail/mime-part.ts): nodemailer's own encoding of them was
 * half of its CPU per email.
 */
export function nodemailerMessage(from: string, email: OutgoingEmail) {
  // The signature is the transport's business (createSmtpMailer): a composed message file is unsigned.
  const { returnPath, dkim: _signedBySend, ...message } = email;
  return {
    from,
    ...message,
    // Only as the two halves of multipart/alternative: a raw part that is the whole message would
    // replace its headers too. An email with one empty part goes through nodemailer's own encoding.
    ...(email.text && email.html
      ? {
          text: { raw: textPart({ subtype: 'plain', content: email.text }) },
          html: { raw: textPart({ subtype: 'html', content: email.html }) },
        }
      : {}),
    ...(returnPath ? { envelope: { from: returnPath, to: email.to } } : {}),
  };
}

/**
 * The raw message (RFC 5322, CRLF line ends) nodemailer would send for `email`, minus the DKIM
 * signature and what the receiving server adds: built by nodemailer's own pipeline, not by hand,
 * so a spam score of this file is the score of a real send.
 */
export async function composeMessage(options: { from: string; email: OutgoingEmail }): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const { message } = await transport.sendMail(nodemailerMessage(options.from, options.email));
  // `buffer: true` makes it a Buffer; the type covers the streaming mode too.
  if (!Buffer.isBuffer(message)) throw new Error('nodemailer returned a stream, not the composed message');
  return message;
}

/** A pooled nodemailer SMTP transport; `url` is e.g. smtp://user:pass@mail.example.com:587. */
export function createSmtpMailer(options: {
  url: string;
  from: string;
  dkim?: DkimSettings;
  /** Pool sizing (`npm run bench:smtp` compares settings); the defaults are the worker's. */
  pool?: { maxConnections?: number; maxMessages?: number };
}): Mailer {
  const transport = nodemailer.createTransport({
    url: options.url,
    ...(options.dkim
      ? {
          dkim: {
            ...options.dkim,
            // Parsed once: given the PEM text, Node parses it again for every signature, which cost
            // ~0.8 ms of the ~1 ms an RSA 2048 signature takes (BENCHMARKS.md, "SMTP").
            privateKey: createPrivateKey(options.dkim.privateKey),
            headerFieldNames: DKIM_SIGNED_HEADERS,
          },
        }
      : {}),
    pool: true,
    maxConnections: options.pool?.maxConnections ?? 5,
    ...(options.pool?.maxMessages ? { maxMessages: options.pool.maxMessages } : {}),
    // Well inside the send activity's 1-minute timeout (nodemailer's own default is 10 minutes), so
    // an attempt Temporal gave up on cannot still deliver after its retry did (STALE_CLAIM_MS, domain/activity-timeouts.ts).
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  // Each shop's key parsed once, as the install's is above: keyed by the PEM text, so a shop whose key
  // was replaced gets the new one.
  const shopKeys = new Map<string, KeyObject>();
  const perMessageDkim = (dkim: DkimSettings) => {
    let privateKey = shopKeys.get(dkim.privateKey);
    if (!privateKey) {
      try {
        privateKey = createPrivateKey(dkim.privateKey);
      } catch (error) {
        // Never the key itself: this message reaches Temporal's history and the log.
        throw new Error(
          `the DKIM key of ${dkim.domainName} (selector ${dkim.keySelector}) is not a usable private key: ${(error as Error).message}`,
        );
      }
      shopKeys.set(dkim.privateKey, privateKey);
    }
    return {
      dkim: {
        domainName: dkim.domainName,
        keySelector: dkim.keySelector,
        privateKey,
        headerFieldNames: DKIM_SIGNED_HEADERS,
      },
    };
  };
  // Asked once per mailer, and only when an address needs it; a failed probe is asked again.
  let smtpUtf8: Promise<boolean> | undefined;
  const relaySupportsSmtpUtf8 = () => {
    smtpUtf8 ??= relayAnnouncesSmtpUtf8(options.url).catch((error: unknown) => {
      smtpUtf8 = undefined;
      throw error;
    });
    return smtpUtf8;
  };
  // A send's deadline wraps the message stream last, after the DKIM signature: nodemailer's own
  // stages (transforms, process functions) all read ahead of the SMTP conversation.
  transport.use('stream', (mail, done) => {
    const check = (mail.data as { [deadlineCheck]?: (message: Readable) => Readable })[deadlineCheck];
    if (check) {
      const compose = mail.message.createReadStream.bind(mail.message);
      mail.message.createReadStream = (...args: Parameters<typeof compose>) => check(compose(...args));
    }
    done();
  });
  return {
    async send(email, { deadline } = {}) {
      if (deadline?.passed()) throw new SendDeadlinePassedError();
      if (needsSmtpUtf8(email.to) && !(await relaySupportsSmtpUtf8())) {
        throw new UnsendableAddressError(
          "the recipient's address has a non-ASCII local part and the SMTP relay does not announce SMTPUTF8 (RFC 6531)",
        );
      }
      // nodemailer prefers a message's own `dkim` to the transport's.
      const signing = email.dkim ? perMessageDkim(email.dkim) : {};
      let deadlinePassed = false;
      try {
        const message = nodemailerMessage(options.from, email);
        // Joined here when both parts are pre-encoded: the same bytes, without nodemailer's stream tree.
        const info = await transport.sendMail({
          ...(rawMessage(message) ?? message),
          ...signing,
          ...(deadline
            ? {
                [deadlineCheck]: (composed: Readable) =>
                  readUntilDeadline(composed, deadline, () => (deadlinePassed = true)),
              }
            : {}),
        });
        return { response: String(info.response ?? '') };
      } catch (error) {
        if (deadlinePassed) throw new SendDeadlinePassedError();
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
          // The SMTP command it failed at ('CONN' when no connection was made): tells a message the
          // server never took from one it may have (see releaseClaim).
          command: (error as { command?: unknown }).command,
        });
      }
    },
    async verify() {
      await transport.verify();
    },
    close: () => transport.close(),
  };
}
