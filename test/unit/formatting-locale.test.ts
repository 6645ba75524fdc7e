import { describe, expect, it } from 'vitest';
import { formattingLocale, numberFormattingLocale } from '../../domain/formatting-locale';

describe('formattingLocale: the template’s language, the customer’s region', () => {
  it.each([
    ['ru-RU', 'ru', 'ru-RU'],
    ['en-GB', 'en', 'en-GB'],
    ['ru', 'ru', 'ru'],
    ['ar-SA-u-nu-arab', 'ar', 'ar-SA-u-nu-arab'],
  ])('a %s customer reading the %s template keeps their own tag', (customerLocale, templateLanguage, expected) => {
    expect(formattingLocale({ customerLocale, templateLanguage })).toBe(expected);
  });

  it.each([
    ['de-DE', 'en', 'en-DE'],
    ['ar-SA', 'en', 'en-SA'],
    ['zh-Hant-TW', 'en', 'en-TW'],
    ['ar-SA-u-nu-arab', 'en', 'en-SA'],
    ['de-DE', 'en-US', 'en-DE'],
    ['en-GB', 'ru', 'ru-GB'],
  ])('a %s customer reading the %s template gets %s', (customerLocale, templateLanguage, expected) => {
    expect(formattingLocale({ customerLocale, templateLanguage })).toBe(expected);
  });

  it.each([
    ['ar', 'en', 'en'],
    ['de', 'en-US', 'en-US'],
    ['zh-Hant', 'en', 'en'],
  ])('a %s customer (no region) reading the %s template gets %s', (customerLocale, templateLanguage, expected) => {
    expect(formattingLocale({ customerLocale, templateLanguage })).toBe(expected);
  });

  it('reads old and new codes of one language as the same language (iw is he)', () => {
    expect(formattingLocale({ customerLocale: 'iw-IL', templateLanguage: 'he' })).toBe('iw-IL');
  });

  it.each(['not a tag', '', 'de_DE'])('an invalid customer tag %j gets the template’s language', (customerLocale) => {
    expect(formattingLocale({ customerLocale, templateLanguage: 'en' })).toBe('en');
  });

  it('an invalid template language leaves the customer’s tag, as before', () => {
    expect(formattingLocale({ customerLocale: 'de-DE', templateLanguage: 'not a tag' })).toBe('de-DE');
  });

  it('the result formats a German customer’s English email in English, with their region’s conventions', () => {
    const locale = formattingLocale({ customerLocale: 'de-DE', templateLanguage: 'en' });
    const date = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeZone: 'Europe/Berlin' });
    expect(date.format(new Date('2026-12-03T12:00:00Z'))).toBe('Thursday, 3 December 2026');
    expect(new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' }).format(39.8)).toBe('€39.80');
  });
});

describe('numberFormattingLocale: prices and percentages in one language', () => {
  it.each([
    ['de-DE', 'en', 'en'],
    ['ar-SA', 'en', 'en'],
    ['ru-RU', 'ru', 'ru-RU'],
    ['en-GB', 'en', 'en-GB'],
    ['not a tag', 'en', 'en'],
  ])('%s reading %s → %s', (customerLocale, templateLanguage, expected) => {
    expect(numberFormattingLocale({ customerLocale, templateLanguage })).toBe(expected);
  });

  it('a German customer’s English email: "12.5%" beside "€1,274.30", not en-DE’s "12,5 %"', () => {
    const locale = numberFormattingLocale({ customerLocale: 'de-DE', templateLanguage: 'en' });
    const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }).format(0.125);
    const money = new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' }).format(1274.3);
    expect(`${money} ${percent}`).toBe('€1,274.30 12.5%');
  });
});
