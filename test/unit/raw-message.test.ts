import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { composeMessage, nodemailerMessage, type OutgoingEmail } from '../../mail/mailer';
import { rawMessage } from '../../mail/raw-message';

// The worker hands the SMTP transport the whole message (mail/raw-message.ts) instead of letting
// nodemailer stream its MIME tree: a receiver must get the very bytes nodemailer would have sent.

const FROM = 'Cartflow Shop <shop@mail.example.com>';

/** Everything but the two values nodemailer draws per message: the multipart boundary and the Date. */
function comparable(message: Buffer): string {
  const text = message.toString('utf8');
  const boundary = /boundary="([^"]+)"/.exec(text)?.[1];
  expect(boundary).toBeDefined();
  return text
    .split(boundary as string)
    .join('BOUNDARY')
    .replace(/^Date: .*$/m, 'Date: (now)');
}

async function bothWays(email: OutgoingEmail) {
  const composed = comparable(await composeMessage({ from: FROM, email }));
  const raw = rawMessage(nodemailerMessage(FROM, email));
  if (!raw) throw new Error('expected a raw message for an email with both parts');
  return { composed, raw: comparable(raw.raw), envelope: raw.envelope };
}

const hostile: OutgoingEmail = {
  to: 'zoe@bücher.example',
  subject: "Zoë O'Brien & Søn — ваша корзина ждёт 🛒 שלום עולם, and a subject line long enough to be folded",
  html: `<p>Hello &amp; bye — Привет, مرحبا</p>\n<p>${'x'.repeat(200)}</p>\n.\n`,
  text: "Hello Zoë O'Brien & Søn\nНаталья Петрова-Водкина\n.\ntrailing space \n",
  messageId: '<0123456789abcdef@mail.example.com>',
  from: '"Zoë O\'Brien & Søn" <shop@bücher.example>',
  replyTo: 'Ответ <reply@mail.example.com>',
  headers: {
    'List-Unsubscribe': { prepared: true, value: '<https://mail.example.com/u/abc?t=1&s=2>' },
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Id': '<bench.shop.mail.example.com>',
    'Feedback-ID': 'reminder:bench-consumer:bench:cartflow',
  },
};

describe('rawMessage', () => {
  it('is byte for byte the message nodemailer composes, hostile names, IDN and Cyrillic included', async () => {
    const { composed, raw, envelope } = await bothWays(hostile);
    expect(raw).toBe(composed);
    // The envelope nodemailer derives: the domains as A-labels.
    expect(envelope).toEqual({ from: 'shop@xn--bcher-kva.example', to: ['zoe@xn--bcher-kva.example'] });
  });

  it('keeps a VERP Return-Path as the envelope sender', async () => {
    const email = { ...hostile, from: undefined, returnPath: 'bounce+0123@mail.example.com' };
    const { composed, raw, envelope } = await bothWays(email);
    expect(raw).toBe(composed);
    expect(envelope).toEqual({ from: 'bounce+0123@mail.example.com', to: hostile.to });
  });

  it('leaves an email with an empty part to nodemailer', () => {
    expect(rawMessage(nodemailerMessage(FROM, { ...hostile, text: '' }))).toBeUndefined();
  });

  it('matches nodemailer for any subject, display name and body', async () => {
    const words = fc.oneof(
      fc.constantFrom("O'Brien & Sons", 'Наталья', 'שלום', '😀👍🏽', '"quoted"', '=?utf-8?q?x?=', 'a'.repeat(80)),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
    );
    const line = fc.array(words, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(' '));
    await fc.assert(
      fc.asyncProperty(line, line, line, async (subject, name, body) => {
        // Never an empty part: that email is nodemailer's own (the test above).
        const email = {
          ...hostile,
          subject,
          from: `${JSON.stringify(name)} <shop@mail.example.com>`,
          text: `Hi ${body}`,
        };
        const { composed, raw } = await bothWays({ ...email, html: `<p>${body}</p>` });
        expect(raw).toBe(composed);
      }),
      { numRuns: 100 },
    );
  });
});
