/**
 * The text and HTML parts of an email, encoded once, in one pass, and handed to nodemailer as `raw`
 * MIME parts. nodemailer's own path for a string body scans it to choose an encoding, then pipes it
 * through a quoted-printable stream whose line wrapping runs regular expressions on every line: about
 * a quarter of the worker's CPU per email (BENCHMARKS.md, "SMTP"). The output is plain RFC 2045
 * and keeps nodemailer's choices: UTF-8, quoted-printable for mostly-Latin text, base64 when that is
 * shorter (Cyrillic prose), lines of at most 76 characters, CRLF line ends.
 */

const MAX_LINE = 76;
const HEX = Buffer.from('0123456789ABCDEF', 'latin1');
const CR = 0x0d;
const LF = 0x0a;

/** 1 for a byte written as itself in quoted-printable (RFC 2045 §6.7: `!`–`~` without `=`, space, tab). */
const LITERAL = new Uint8Array(256);
for (let byte = 0x20; byte <= 0x7e; byte++) LITERAL[byte] = byte === 0x3d ? 0 : 1;
LITERAL[0x09] = 1;

/**
 * `text` as quoted-printable: every line break becomes CRLF, trailing spaces and tabs of a line are
 * encoded, and a soft break (`=` CRLF) keeps encoded lines within 76 characters, never inside an `=XX`.
 */
export function quotedPrintable(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const length = bytes.length;
  // The worst case: every byte as =XX, plus a soft break every 25 bytes.
  const out = Buffer.allocUnsafe(length * 3 + Math.ceil(length / 25) * 3 + 2);
  let pos = 0;
  // Where the current encoded line started in `out`: a line holds MAX_LINE - 1 characters and the soft break's `=`.
  let lineStart = 0;
  for (let index = 0; index < length; index++) {
    const byte = bytes[index]!;
    if (byte === CR || byte === LF) {
      // CRLF, a lone LF or a lone CR: one hard line break.
      if (byte === CR && bytes[index + 1] === LF) index++;
      out[pos++] = CR;
      out[pos++] = LF;
      lineStart = pos;
      continue;
    }
    const next = index + 1 < length ? bytes[index + 1]! : LF;
    const literal = LITERAL[byte] === 1 && !((byte === 0x20 || byte === 0x09) && (next === CR || next === LF));
    const width = literal ? 1 : 3;
    if (pos - lineStart + width > MAX_LINE - 1) {
      out[pos++] = 0x3d;
      out[pos++] = CR;
      out[pos++] = LF;
      lineStart = pos;
    }
    if (literal) {
      out[pos++] = byte;
    } else {
      out[pos++] = 0x3d;
      out[pos++] = HEX[byte >> 4]!;
      out[pos++] = HEX[byte & 0x0f]!;
    }
  }
  return out.toString('latin1', 0, pos);
}

/** `text` as base64 in lines of 76 characters. */
export function base64Lines(text: string): string {
  const encoded = Buffer.from(text, 'utf8').toString('base64');
  const lines: string[] = [];
  for (let start = 0; start < encoded.length; start += MAX_LINE) lines.push(encoded.slice(start, start + MAX_LINE));
  return lines.join('\r\n');
}

/**
 * A complete `text/plain` or `text/html` MIME part (its headers, a blank line, the encoded body, no
 * final line break: the multipart boundary's own CRLF ends it), for nodemailer's `{ raw }`.
 */
export function textPart(options: { subtype: 'plain' | 'html'; content: string }): string {
  const qp = quotedPrintable(options.content);
  // base64 grows a body by 4/3 plus line breaks; quoted-printable by 3× for every non-ASCII byte.
  const base64Length = Math.ceil(Buffer.byteLength(options.content, 'utf8') / 3) * 4 * (1 + 2 / MAX_LINE);
  const [encoding, body] =
    qp.length <= base64Length ? ['quoted-printable', qp] : ['base64', base64Lines(options.content)];
  return `Content-Type: text/${options.subtype}; charset=utf-8\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${body}`;
}
