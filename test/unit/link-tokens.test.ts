import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instrumentEmail } from '../../tracking/links';
import { listUnsubscribeHeaders, messageRowIdFor, type LinkSettings } from '../../tracking/message-links';
import { signToken, tokensInText, verifyToken } from '../../tracking/tokens';

const SECRET = 'a-tracking-secret-of-at-least-32-characters';
const MESSAGE = messageRowIdFor('cart:shop:42:reminder');
const inAYear = new Date(Date.now() + 365 * 24 * 3600 * 1000);

describe('link tokens', () => {
  it('round-trips the message, purpose, link index and expiry', () => {
    const token = signToken(SECRET, { purpose: 'click', messageId: MESSAGE, linkIndex: 3, expiresAt: inAYear });
    const check = verifyToken(SECRET, token, 'click');
    expect(check).toEqual({
      ok: true,
      claims: {
        purpose: 'click',
        messageId: MESSAGE,
        linkIndex: 3,
        expiresAt: new Date(Math.floor(inAYear.getTime() / 1000) * 1000),
      },
    });
  });

  it('rejects any change to a token, a token for another purpose, and another secret', () => {
    const token = signToken(SECRET, { purpose: 'open', messageId: MESSAGE, expiresAt: inAYear });
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...'ABCabc012-_.'), (position, replacement) => {
        fc.pre(token[position] !== replacement);
        const tampered = token.slice(0, position) + replacement + token.slice(position + 1);
        expect(verifyToken(SECRET, tampered, 'open').ok).toBe(false);
      }),
    );
    expect(verifyToken(SECRET, token, 'click')).toMatchObject({ ok: false, reason: 'wrong_purpose' });
    expect(verifyToken('another-secret-of-at-least-32-characters!!', token, 'open')).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyToken(SECRET, 'not a token', 'open')).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('accepts the previous secret during a rotation, and reports expiry only for genuine tokens', () => {
    const old = 'the-previous-secret-of-at-least-32-chars';
    const token = signToken(old, { purpose: 'unsubscribe', messageId: MESSAGE, expiresAt: inAYear });
    expect(verifyToken([SECRET, old], token, 'unsubscribe').ok).toBe(true);
    const expired = signToken(SECRET, {
      purpose: 'unsubscribe',
      messageId: MESSAGE,
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(verifyToken(SECRET, expired, 'unsubscribe')).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('writes no lower-case letter (no Latin e for SpamAssassin MIXED_ES to count in Russian text)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('open' as const, 'click' as const, 'unsubscribe' as const),
        fc.uuid(),
        fc.nat(0xffff),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (purpose, messageId, linkIndex, expiresAt) => {
          const token = signToken(SECRET, { purpose, messageId, linkIndex, expiresAt });
          expect(token).toMatch(/^[A-Z2-7]+$/);
          const check = verifyToken(SECRET, token, purpose, new Date(0));
          expect(check.ok && check.claims.messageId).toBe(messageId.toLowerCase());
          expect(check.ok && check.claims.linkIndex).toBe(purpose === 'click' ? linkIndex : undefined);
        },
      ),
    );
  });

  it('refuses to sign what the format cannot carry', () => {
    expect(() => signToken(SECRET, { purpose: 'open', messageId: 'not-a-uuid', expiresAt: inAYear })).toThrow(/UUID/);
    expect(() =>
      signToken(SECRET, { purpose: 'click', messageId: MESSAGE, linkIndex: 70_000, expiresAt: inAYear }),
    ).toThrow(RangeError);
  });

  it('derives one stable UUID-shaped row id per send key', () => {
    expect(MESSAGE).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(messageRowIdFor('cart:shop:42:reminder')).toBe(MESSAGE);
    expect(messageRowIdFor('cart:shop:42:incentive')).not.toBe(MESSAGE);
  });
});

// Signed with SECRET by the first token form (base64url JSON, before base32), which emails already
// sent carry: the links in them must keep working.
const FIRST_FORM = {
  click3:
    'eyJwIjoiYyIsIm0iOiJmZTFlY2Q2NC00ZjBhLTg5OTItYjZhNS1hMjY4NjViODJmYWYiLCJpIjozLCJ4Ijo0MTAyNDQ0ODAwfQ.-Gm9hCueHI9UNeDtOe9pEg',
  open: 'eyJwIjoibyIsIm0iOiJmZTFlY2Q2NC00ZjBhLTg5OTItYjZhNS1hMjY4NjViODJmYWYiLCJ4Ijo0MTAyNDQ0ODAwfQ.JTfjpNv7z1FOHSgxNlb5UA',
  unsubscribe:
    'eyJwIjoidSIsIm0iOiJmZTFlY2Q2NC00ZjBhLTg5OTItYjZhNS1hMjY4NjViODJmYWYiLCJ4Ijo0MTAyNDQ0ODAwfQ.7t8TEpfB5kcHg6lb3Sm8zA',
  unsubscribeExpired2026:
    'eyJwIjoidSIsIm0iOiJmZTFlY2Q2NC00ZjBhLTg5OTItYjZhNS1hMjY4NjViODJmYWYiLCJ4IjoxNzY3MjI1NjAwfQ.-CTAl518eb-v0mP2VocKgw',
};
const YEAR_2100 = new Date('2100-01-01T00:00:00Z');

describe('link tokens of the first form (base64url JSON), in emails already sent', () => {
  it('still verify, with the same claims as when they were signed', () => {
    expect(verifyToken(SECRET, FIRST_FORM.click3, 'click')).toEqual({
      ok: true,
      claims: { purpose: 'click', messageId: MESSAGE, linkIndex: 3, expiresAt: YEAR_2100 },
    });
    expect(verifyToken(SECRET, FIRST_FORM.open, 'open')).toEqual({
      ok: true,
      claims: { purpose: 'open', messageId: MESSAGE, expiresAt: YEAR_2100 },
    });
    expect(
      verifyToken(['a-newer-secret-of-at-least-32-characters', SECRET], FIRST_FORM.unsubscribe, 'unsubscribe'),
    ).toMatchObject({ ok: true, claims: { purpose: 'unsubscribe', messageId: MESSAGE } });
  });

  it('keep their checks: changed characters, another purpose or secret, expiry', () => {
    const token = FIRST_FORM.open;
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...'ABCabc012-_.'), (position, replacement) => {
        fc.pre(token[position] !== replacement);
        const tampered = token.slice(0, position) + replacement + token.slice(position + 1);
        expect(verifyToken(SECRET, tampered, 'open').ok).toBe(false);
      }),
    );
    expect(verifyToken(SECRET, FIRST_FORM.open, 'click')).toMatchObject({ ok: false, reason: 'wrong_purpose' });
    expect(verifyToken('another-secret-of-at-least-32-characters!!', FIRST_FORM.open, 'open')).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyToken(SECRET, FIRST_FORM.unsubscribeExpired2026, 'unsubscribe', new Date('2026-06-01'))).toEqual({
      ok: false,
      reason: 'expired',
      claims: { purpose: 'unsubscribe', messageId: MESSAGE, expiresAt: new Date('2026-01-01T00:00:00Z') },
    });
  });

  it('are found in a text beside tokens of the current form', () => {
    const current = signToken(SECRET, { purpose: 'unsubscribe', messageId: MESSAGE, expiresAt: inAYear });
    const subject = `Re: unsubscribe ${current} (and ${FIRST_FORM.unsubscribe}), thanks`;
    expect([...subject.matchAll(tokensInText())].map((match) => match[0])).toEqual([current, FIRST_FORM.unsubscribe]);
  });
});

describe('instrumentEmail', () => {
  const html =
    '<html><body><a href="https://shop.example/p?a=1&amp;b=2">Product</a> ' +
    "<a class='x' href='https://shop.example/cart'>Cart</a> <a href=\"https://shop.example/p?a=1&amp;b=2\">again</a> " +
    '<a href="mailto:help@shop.example">Mail us</a> <a href="https://cf.example/u/TOKEN">Unsubscribe</a></body></html>';
  const text = 'Product [https://shop.example/p?a=1&b=2]\nCart [https://shop.example/cart]\n';

  it('rewrites each distinct http(s) link to its index, keeps mailto and the unsubscribe link, adds the pixel', () => {
    const result = instrumentEmail({
      html,
      text,
      linkUrl: (index) => `https://cf.example/t/c/${index}`,
      pixelUrl: 'https://cf.example/t/o/P.gif',
      keep: (url) => url === 'https://cf.example/u/TOKEN',
    });
    expect(result.links).toEqual(['https://shop.example/p?a=1&b=2', 'https://shop.example/cart']);
    expect(result.html).toContain('<a href="https://cf.example/t/c/0">Product</a>');
    expect(result.html).toContain("<a class='x' href='https://cf.example/t/c/1'>Cart</a>");
    expect(result.html).toContain('<a href="https://cf.example/t/c/0">again</a>');
    expect(result.html).toContain('href="mailto:help@shop.example"');
    expect(result.html).toContain('href="https://cf.example/u/TOKEN"');
    expect(result.html).toMatch(
      /<img src="https:\/\/cf\.example\/t\/o\/P\.gif" width="1" height="1" alt=""[^>]*\/><\/body>/,
    );
    expect(result.text).toBe('Product [https://cf.example/t/c/0]\nCart [https://cf.example/t/c/1]\n');
  });

  it('leaves the email untouched when tracking is off', () => {
    expect(instrumentEmail({ html, text })).toEqual({ html, text, links: [] });
  });
});

describe('List-Unsubscribe headers (RFC 8058)', () => {
  it('carry the https link and a mailto, and the one-click marker, unfolded', () => {
    const settings: LinkSettings = {
      secret: SECRET,
      baseUrl: 'https://cf.example/',
      trackOpens: true,
      trackClicks: true,
      linkTtlMs: 1000,
      unsubscribeTtlMs: 60 * 24 * 3600 * 1000,
      unsubscribeMailto: 'unsubscribe@shop.example',
    };
    const headers = listUnsubscribeHeaders(settings, MESSAGE, new Date());
    const [https, mailto] = headers['List-Unsubscribe'].value.split(', ');
    expect(https).toMatch(/^<https:\/\/cf\.example\/u\/[A-Z2-7]{60}>$/);
    const token = https!.slice('<https://cf.example/u/'.length, -1);
    expect(verifyToken(SECRET, token, 'unsubscribe').ok).toBe(true);
    expect(mailto).toBe(`<mailto:unsubscribe@shop.example?subject=unsubscribe%20${token}>`);
    expect(headers['List-Unsubscribe-Post']).toEqual({ prepared: true, value: 'List-Unsubscribe=One-Click' });
    expect(headers['List-Unsubscribe'].prepared).toBe(true);
  });
});

describe('instrumentEmail on a rendered template', () => {
  it('stores the real URL behind Handlebars-escaped attributes', () => {
    const result = instrumentEmail({
      html: '<a href="https://shop.example.com/cart/recover?token&#x3D;sample&amp;x&#61;1">Back to cart</a>',
      text: '',
      linkUrl: (index) => `https://cf.example/t/c/${index}`,
    });
    expect(result.links).toEqual(['https://shop.example.com/cart/recover?token=sample&x=1']);
  });
});
