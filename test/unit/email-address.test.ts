import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EmailAddress,
  canonicalEmail,
  emailKey,
  idnaHost,
  parseEmailAddress,
  sameEmailAddress,
} from '../../domain/email-address';

// Examples from Wikipedia, "Email address", section Examples:
// https://en.wikipedia.org/wiki/Email_address#Examples
// Where cartflow decides otherwise than the article, the case says so and why.
const WIKIPEDIA_VALID = [
  'simple@example.com',
  'very.common@example.com',
  'FirstName.LastName@EasierReading.org',
  'x@example.com',
  'long.email-address-with-hyphens@and.subdomains.example.com',
  'user.name+tag+sorting@example.com',
  'name/surname@example.com',
  'example@s.example',
  '" "@example.org',
  '"john..doe"@example.org',
  'mailhost!username@example.org',
  '"very.(),:;<>[]\\".VERY.\\"very@\\\\ \\"very\\".unusual"@strange.example.com',
  'user%example.com@example.org',
  'user-@example.org',
];

// Valid in the article, refused here: a shop's customer needs an address on the public internet.
const WIKIPEDIA_VALID_REFUSED_HERE: Array<[string, RegExp]> = [
  ['admin@example', /needs a dot/],
  ['postmaster@[123.123.123.123]', /IP address literals/],
  ['postmaster@[IPv6:2001:0db8:85a3:0000:0000:8a2e:0370:7334]', /IP address literals/],
  ['_test@[IPv6:2001:0db8:85a3:0000:0000:8a2e:0370:7334]', /IP address literals/],
];

const WIKIPEDIA_INVALID: Array<[string, RegExp]> = [
  ['abc.example.com', /no @/],
  ['a@b@c@example.com', /more than one @/],
  ['a"b(c)d,e:f;g<h>i[j\\k]l@example.com', /quote/],
  ['just"not"right@example.com', /quotes must enclose the whole local part/],
  ['this is"not\\allowed@example.com', /quote/],
  ['this\\ still\\"not\\\\allowed@example.com', /quote/],
  ['1234567890123456789012345678901234567890123456789012345678901234+x@example.com', /longer than 64 octets/],
  ['i.like.underscores@but_they_are_not_allowed_in_this_part', /domain label/],
];

const reasonOf = (input: string) => {
  const parsed = parseEmailAddress(input);
  return parsed.ok ? `accepted as ${parsed.address.canonical}` : parsed.reason;
};

describe('email addresses: the Wikipedia examples', () => {
  it.each(WIKIPEDIA_VALID)('accepts %s', (input) => {
    expect(parseEmailAddress(input).ok).toBe(true);
  });

  it.each(WIKIPEDIA_VALID_REFUSED_HERE)('refuses %s (valid in RFC 5322, undeliverable for a shop)', (input, reason) => {
    expect(reasonOf(input)).toMatch(reason);
  });

  it.each(WIKIPEDIA_INVALID)('refuses %s, saying why', (input, reason) => {
    expect(reasonOf(input)).toMatch(reason);
  });

  it('accepts I❤️CHOCOLATE@example.com, which the article lists as invalid: RFC 6531 allows any UTF-8 in atext', () => {
    expect(parseEmailAddress('I❤️CHOCOLATE@example.com')).toMatchObject({
      ok: true,
      address: { canonical: 'i❤️chocolate@example.com', needsSmtpUtf8: true },
    });
  });
});

describe('email addresses: international forms', () => {
  it('accepts an SMTPUTF8 local part on a U-label domain; the domain is stored as A-labels', () => {
    expect(parseEmailAddress('Покупатель@Магазин.рф')).toEqual({
      ok: true,
      address: {
        canonical: 'покупатель@xn--80aairftm.xn--p1ai',
        localPart: 'покупатель',
        domain: 'xn--80aairftm.xn--p1ai',
        needsSmtpUtf8: true,
      },
    });
  });

  it('every spelling of an IDN address has one canonical form', () => {
    const spellings = [
      'x@испытание.рф',
      'X@ИСПЫТАНИЕ.РФ',
      'x@XN--80AKHBYKNJ4F.XN--P1AI',
      'x@xn--80akhbyknj4f.xn--p1ai',
    ];
    expect(new Set(spellings.map(canonicalEmail))).toEqual(new Set(['x@xn--80akhbyknj4f.xn--p1ai']));
    expect(sameEmailAddress({ left: 'user+tag@EXÄMPLE.org', right: 'user+tag@xn--exmple-cua.org' })).toBe(true);
  });

  it('ASCII addresses keep the form stored before IDN support: the whole address lower-cased', () => {
    for (const stored of ['Ada.Lovelace@Example.COM', "o'neil@example.com", 'x@xn--exmple-cua.org']) {
      expect(canonicalEmail(stored)).toBe(stored.toLowerCase());
    }
  });

  it('a quoted local part keeps its case; one that needs no quotes loses them', () => {
    expect(canonicalEmail('"Quoted Local"@Example.org')).toBe('"Quoted Local"@example.org');
    expect(canonicalEmail('"John"@example.org')).toBe('john@example.org');
    expect(canonicalEmail('"a\\b c"@example.org')).toBe('"ab c"@example.org');
    expect(canonicalEmail('"at@sign"@example.org')).toBe('"at@sign"@example.org');
  });

  it('Unicode local parts compare in NFC', () => {
    expect(canonicalEmail('Jose\u0301@example.com')).toBe(canonicalEmail('José@example.com'));
  });
});

describe('email addresses: refusals', () => {
  it.each([
    ['', /empty/],
    [' a@example.com', /spaces around/],
    ['@example.com', /empty local part/],
    ['a@', /empty domain/],
    ['a..b@example.com', /consecutive dots/],
    ['.a@example.com', /start or end with a dot/],
    ['a b@example.com', /spaces .* inside quotes/],
    ['john.smith(comment)@example.com', /comments/],
    ['a@exa..mple.com', /empty label/],
    ['a@example.com.', /empty label/],
    ['a@-example.com', /domain label/],
    ['a@xn--zz.com', /not a valid internationalised domain name/],
    ['a@1.2.3.4', /IP addresses are not accepted/],
    ['a@ex%61mple.com', /character no domain name has/],
    ['a@example.com/x', /character no domain name has/],
    ['a\u202eb@example.com', /control or formatting character/],
    ['"a\tb"@example.com', /quoted local part may not hold/],
    [`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`, /longer than 254 octets/],
    [`${'я'.repeat(33)}@example.com`, /longer than 64 octets/],
  ])('refuses %j: %s', (input, reason) => {
    expect(reasonOf(input)).toMatch(reason);
  });

  it('the zod schema outputs the canonical form and names the reason', () => {
    expect(EmailAddress.parse('user+tag@exämple.org')).toBe('user+tag@xn--exmple-cua.org');
    const result = EmailAddress.safeParse('admin@example');
    expect(result.success ? '' : result.error.issues[0]?.message).toBe(
      'must be an email address: the domain needs a dot (dotless domains are not accepted)',
    );
  });

  it('lookups of text that is no address fall back to lower-casing, never throw', () => {
    expect(emailKey(' Odd Bounce@Report ')).toBe('odd bounce@report');
  });
});

describe('email addresses: the ASCII fast path', () => {
  const chars = (alphabet: string, minLength: number) =>
    fc.array(fc.constantFrom(...alphabet), { minLength, maxLength: 20 }).map((list) => list.join(''));
  // What parseEmailAddress lower-cases without the URL parser: ASCII letters, digits, hyphens and
  // dots, an alphabetic last label, no A-label.
  const plainDomain = fc
    .tuple(chars('abcXYZ019-.', 0), chars('abcdefxyzABCXYZ', 1))
    .map(([head, top]) => `${head}.${top}`)
    .filter((domain) => !/(?:^|\.)xn--/i.test(domain));

  it('gives what the URL host parser gives, and the same answer', () => {
    fc.assert(
      fc.property(plainDomain, (domain) => {
        expect(idnaHost(domain)).toBe(domain.toLowerCase());
        const parsed = parseEmailAddress(`Some.One@${domain}`);
        if (parsed.ok) expect(parsed.address.domain).toBe(domain.toLowerCase());
      }),
      { numRuns: 2000 },
    );
  });

  it('still decodes and checks A-labels and Unicode domains', () => {
    expect(canonicalEmail('x@XN--EXMPLE-CUA.ORG')).toBe('x@xn--exmple-cua.org');
    expect(reasonOf('x@xn--a.example.com')).toMatch(/not a valid internationalised domain name|domain label/);
    expect(canonicalEmail('Покупатель@Магазин.РФ')).toBe('покупатель@xn--80aairftm.xn--p1ai');
    expect(reasonOf('x@example.123')).toMatch(/not a valid internationalised domain name|top-level/);
  });
});
