import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeMessage } from '../../mail/mailer';
import { quotedPrintable, textPart } from '../../mail/mime-part';

// The worker encodes the text and HTML parts itself (mail/mime-part.ts) and nodemailer sends them
// as they are: what a mail client decodes must be what was rendered, whatever the text.
const RUNS = { numRuns: 200 };

/** Text a template can produce: the hostile names of the samples, markup, long words, odd spacing, any Unicode. */
const awkwardPiece = fc.constantFrom(
  "O'Brien & Sons <b>",
  'Наталья Петрова-Водкина',
  'שלום עולם',
  'مرحبا',
  '😀👍🏽',
  '==3D=',
  '.',
  '\n.\n',
  'trailing space \n',
  'tab\t\n',
  '  ',
  '\r\n',
  'a'.repeat(75),
  'b'.repeat(76),
  'c'.repeat(300),
  'https://shop.example/c/' + 'x'.repeat(120) + '?a=1&b=2',
  'Straße café',
);
const text = fc
  .array(fc.oneof(awkwardPiece, fc.string({ unit: 'grapheme', maxLength: 40 })), { maxLength: 30 })
  .map((pieces) => pieces.join(''));

/** Line breaks a message cannot keep apart: every CR, LF or CRLF is one line break. */
const asLines = (value: string) => value.replace(/\r\n|\r/g, '\n');

async function received(email: { html: string; text: string }) {
  const raw = await composeMessage({
    from: 'Shop <shop@mail.example.com>',
    email: { to: 'customer@example.com', subject: 'Your cart', messageId: '<m1@mail.example.com>', ...email },
  });
  return { raw: raw.toString('latin1'), parsed: await simpleParser(raw) };
}

describe('the text and HTML parts the worker encodes itself', () => {
  it('decode, in a mail client, to exactly the rendered text and HTML', async () => {
    await fc.assert(
      fc.asyncProperty(text.filter(Boolean), text.filter(Boolean), async (plain, html) => {
        const { parsed } = await received({ text: plain, html });
        expect(asLines(parsed.text ?? '')).toBe(asLines(plain));
        expect(asLines(String(parsed.html))).toBe(asLines(html));
      }),
      RUNS,
    );
  });

  it('keep every line of the message within 76 characters, whatever the body', async () => {
    await fc.assert(
      fc.asyncProperty(text.filter(Boolean), async (body) => {
        const { raw } = await received({ text: body, html: `<p>${body}</p>` });
        const [, ...bodyLines] = raw.split('\r\n\r\n');
        for (const line of bodyLines.join('\r\n\r\n').split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
      }),
      RUNS,
    );
  });

  it('write no line with trailing whitespace, which relays strip (RFC 2045 §6.7)', () => {
    fc.assert(
      fc.property(text, (body) => {
        for (const line of quotedPrintable(body).split('\r\n')) expect(line).not.toMatch(/[ \t]$/);
      }),
      RUNS,
    );
  });

  it('choose quoted-printable for Latin text and base64 for Cyrillic prose, whichever is shorter', () => {
    expect(textPart({ subtype: 'plain', content: "Your cart at O'Brien & Sons is waiting." })).toContain(
      'Content-Transfer-Encoding: quoted-printable',
    );
    expect(
      textPart({ subtype: 'plain', content: 'Ваша корзина ждёт вас. Товары зарезервированы ещё на сутки.' }),
    ).toContain('Content-Transfer-Encoding: base64');
  });

  it('send an email with one empty part as a whole message, headers and all', async () => {
    const { parsed, raw } = await received({ text: '', html: "<p>O'Brien &amp; Sons</p>" });
    expect(raw).not.toContain('text/plain');
    expect(parsed.subject).toBe('Your cart');
    expect(parsed.messageId).toBe('<m1@mail.example.com>');
    expect(asLines(String(parsed.html)).trim()).toBe("<p>O'Brien &amp; Sons</p>");
  });
});
