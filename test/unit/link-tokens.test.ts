import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instrumentEmail } from '../../tracking/links';
import { listUnsubscribeHeaders, messageRowIdFor, type LinkSettings } from '../../tracking/message-links';
import { signToken, verifyToken } from '../../tracking/tokens';

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

  it('derives one stable UUID-shaped row id per send key', () => {
    expect(MESSAGE).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(messageRowIdFor('cart:shop:42:reminder')).toBe(MESSAGE);
    expect(messageRowIdFor('cart:shop:42:incentive')).not.toBe(MESSAGE);
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
    expect(https).toMatch(/^<https:\/\/cf\.example\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>$/);
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
