import MailComposer from 'nodemailer/lib/mail-composer';
import type { nodemailerMessage } from './mailer';

type NodemailerMessage = ReturnType<typeof nodemailerMessage>;

/**
 * The whole message as nodemailer would stream it, for its `raw` option, or undefined for an email
 * whose parts nodemailer encodes itself (one of them empty). nodemailer still builds the headers
 * (address and subject encoding, IDN, folding, Date, the boundary) from the same message object;
 * only the multipart body, whose two parts are already encoded (mail/mime-part.ts), is joined
 * here, in one string instead of nodemailer's tree of streams and immediates per node: that was
 * most of nodemailer's share of the worker's main thread in `bench:chains` (BENCHMARKS.md, chain
 * CPU). The transport still signs it (DKIM) and dot-stuffs it; the envelope is the one nodemailer
 * would derive, or the given one (a VERP Return-Path).
 */
export function rawMessage(
  message: NodemailerMessage,
): { raw: Buffer; envelope: { from: string; to: string[] | string } } | undefined {
  const { text, html } = message;
  if (typeof text !== 'object' || typeof html !== 'object') return undefined;
  const root = new MailComposer(message).compile();
  const headers = root.buildHeaders(); // sets the boundary
  const boundary = root.boundary;
  if (typeof boundary !== 'string') return undefined;
  // As nodemailer's multipart node writes it: each part after `--boundary` CRLF, CRLF between them.
  const body = `--${boundary}\r\n${text.raw}\r\n--${boundary}\r\n${html.raw}\r\n--${boundary}--\r\n`;
  const derived = root.getEnvelope();
  return {
    raw: Buffer.from(`${headers}\r\n\r\n${body}`, 'utf8'),
    envelope: message.envelope ?? { from: derived.from || '', to: derived.to },
  };
}
