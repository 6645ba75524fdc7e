import { describe, expect, it } from 'vitest';
import { isolateRightToLeft } from '../../domain/bidi-isolate';

describe('isolateRightToLeft', () => {
  it.each([
    [
      'Arabic money (starts with a right-to-left mark)',
      new Intl.NumberFormat('ar', { style: 'currency', currency: 'EUR' }).format(19.9),
    ],
    [
      'Hebrew date',
      new Intl.DateTimeFormat('he', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date('2026-12-03')),
    ],
    ['Arabic-Indic digits', new Intl.NumberFormat('ar-EG', { style: 'percent' }).format(0.1)],
  ])('wraps %s in a first-strong isolate', (_, value) => {
    expect(isolateRightToLeft(value)).toBe(`\u2068${value}\u2069`);
  });

  it.each([
    ['English money', '€19.90'],
    ['German money', '19,90\u00a0€'],
    ['Russian date', '3 дек. 2026 г.'],
    ['an English percentage with left-to-right marks', '10\u200e%\u200e'],
  ])('leaves %s as it is', (_, value) => {
    expect(isolateRightToLeft(value)).toBe(value);
  });
});
