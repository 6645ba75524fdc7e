import { describe, expect, it } from 'vitest';
import { displayDomain, displayEmail } from '../../domain/display-email';
import { canonicalEmail } from '../../domain/email-address';

describe('displayEmail', () => {
  it('shows the published IDN examples in U-labels', () => {
    // RFC 3492 / IANA examples: the Russian Federation's .рф and a Latin label with an umlaut.
    expect(displayEmail('покупатель@xn--80aairftm.xn--p1ai')).toBe('покупатель@магазин.рф');
    expect(displayEmail('user+tag@xn--exmple-cua.org')).toBe('user+tag@exämple.org');
    expect(displayDomain('xn--mnchen-3ya.de')).toBe('münchen.de');
    expect(displayDomain('xn--fiqs8s.xn--fiqz9s')).toBe('中国.中國');
  });

  it('reads A-labels in any case', () => {
    expect(displayEmail('buyer@XN--80AAIRFTM.XN--P1AI')).toBe('buyer@магазин.рф');
    expect(displayEmail('buyer@Xn--Exmple-Cua.Org')).toBe('buyer@exämple.Org');
  });

  it('is the inverse of the canonical form', () => {
    for (const address of ['покупатель@магазин.рф', 'zakupki@ромашка.испытание', '"quoted local"@exämple.org']) {
      const canonical = canonicalEmail(address)!;
      expect(canonical).not.toBe(address);
      expect(displayEmail(canonical)).toBe(address);
    }
  });

  it('leaves ASCII addresses exactly as they are', () => {
    expect(displayEmail('Sean.OBrien@Example.ie')).toBe('Sean.OBrien@Example.ie');
    expect(displayEmail('"a@b"@example.org')).toBe('"a@b"@example.org');
  });

  it('shows an invalid xn-- label as it is, never a wrong or blank name', () => {
    expect(displayEmail('x@xn--.example')).toBe('x@xn--.example');
    expect(displayEmail('x@xn--a-ecp.example')).toBe('x@xn--a-ecp.example'); // `a⒈`: not allowed in IDNA
    expect(displayEmail('x@xn--zz-.example')).toBe('x@xn--zz-.example'); // decodes to plain `zz`
    expect(displayEmail('x@xn--abc.example')).toBe('x@xn--abc.example'); // decodes to nothing
    expect(displayEmail('x@xn--99999999999.example')).toBe('x@xn--99999999999.example'); // punycode overflow
  });

  it('keeps the A-label of a label that mixes Latin with Cyrillic look-alikes', () => {
    // `аpple.com` with a Cyrillic а: the classic homograph.
    const spoof = canonicalEmail('billing@аpple.com')!;
    expect(spoof).toMatch(/@xn--/);
    expect(displayEmail(spoof)).toBe(spoof);
  });

  it('leaves text that is not an address alone', () => {
    expect(displayEmail('')).toBe('');
    expect(displayEmail('erased')).toBe('erased');
  });
});
