import { describe, expect, it } from 'vitest';
import { dkimAlignsWithFrom, parseDkimDomain, parseDkimSelector } from '../../domain/shop-dkim';

describe("a shop's DKIM settings", () => {
  it('a selector is one or more DNS labels: letters, digits, inner hyphens, at most 63 each', () => {
    for (const good of ['s1', 'cartflow2026', 'k-2026', '2026.mail', 'A'.repeat(63)])
      expect(parseDkimSelector(good), good).toEqual({ ok: true, value: good });
    for (const bad of [
      '',
      'bad_selector',
      '-s1',
      's1-',
      'a b',
      's1.',
      '.s1',
      'a..b',
      'a'.repeat(64),
      'сервер',
      's1;x=y',
    ])
      expect(parseDkimSelector(bad), bad).toMatchObject({
        ok: false,
        reason: expect.stringContaining('--dkim-selector'),
      });
  });

  it('a signing domain is stored as lower-case A-labels; what is not a domain says why', () => {
    expect(parseDkimDomain('Obrien.Example')).toEqual({ ok: true, value: 'obrien.example' });
    expect(parseDkimDomain('Магазин.рф')).toEqual({ ok: true, value: 'xn--80aairftm.xn--p1ai' });
    expect(parseDkimDomain('xn--80aairftm.xn--p1ai')).toEqual({ ok: true, value: 'xn--80aairftm.xn--p1ai' });
    expect(parseDkimDomain('localhost')).toEqual({
      ok: false,
      reason: '--dkim-domain "localhost" is not a domain: the domain needs a dot (dotless domains are not accepted)',
    });
    for (const bad of ['', 'a b.example', 'under_score.example', '192.0.2.1', 'a..example'])
      expect(parseDkimDomain(bad), bad).toMatchObject({ ok: false });
  });

  it('aligns when the From domain is the signing domain or below it, never a sibling, a child or a look-alike', () => {
    const aligns = (dkimDomain: string, fromDomain: string) => dkimAlignsWithFrom({ dkimDomain, fromDomain });
    expect(aligns('obrien.example', 'obrien.example')).toBe(true);
    expect(aligns('obrien.example', 'news.obrien.example')).toBe(true);
    expect(aligns('obrien.example', 'other.example')).toBe(false);
    expect(aligns('news.obrien.example', 'obrien.example')).toBe(false);
    expect(aligns('obrien.example', 'notobrien.example')).toBe(false);
  });
});
