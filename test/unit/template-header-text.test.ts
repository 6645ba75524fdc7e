import { describe, expect, it } from 'vitest';
import { HEADER_UNSAFE, headerText } from '../../mail/header-text';

describe('subjects and preheaders are one header-safe line', () => {
  it('a line break in the data cannot start a new header', () => {
    const subject = headerText('Ada\r\nBcc: x@y, your cart is waiting');
    expect(subject).toBe('Ada Bcc: x@y, your cart is waiting');
    expect(subject).not.toMatch(/[\r\n]/);
    expect(headerText('Ada\u2028Bcc: x@y\u0085Cc: z@y\tok')).toBe('Ada Bcc: x@y Cc: z@y ok');
  });

  it('drops bidi overrides, embeddings, isolates and other controls', () => {
    expect(headerText('Ada \u202eevil\u202c, your cart')).toBe('Ada evil, your cart');
    expect(headerText('\u2066a\u2067b\u2068c \u202a\u202b\u202dd')).toBe('abc d');
    expect(headerText('a\u2069b\u2068\u2068c\u2069\u2069 d')).toBe('ab\u2068c\u2069 d');
    expect(headerText('a\u0000b\u0007c\u001bd\u007fe\u009bf')).toBe('abcdef');
    expect(headerText('Ada \u202e , hi')).toBe('Ada , hi');
  });

  it('keeps a closed first-strong isolate: a right-to-left date stays in one piece in an English subject', () => {
    // 03/12/2026 as Arabic formats it: without the isolate the line shows "until 032026/12/".
    const subject = 'Your code for 10% off works until \u2068\u200f03\u200f/12\u200f/2026\u2069';
    expect(headerText(subject)).toBe(subject);
    expect(HEADER_UNSAFE.test(subject)).toBe(false);
  });

  it('keeps right-to-left letters, direction marks, emoji and typography', () => {
    const line = 'سارة & דנה \u200f«Ромашка» O\'Brien "quoted" <b> 🌷 — €52.30';
    expect(headerText(line)).toBe(line);
    expect(HEADER_UNSAFE.test(line)).toBe(false);
  });

  it('collapses runs of spaces and trims, as the one-line subject always did', () => {
    expect(headerText('  Ada,   your\n\n  cart ')).toBe('Ada, your cart');
    expect(headerText(' Ada ')).toBe('Ada');
  });
});
