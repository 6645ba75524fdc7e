import { describe, expect, it } from 'vitest';
import { displayWidth, padToWidth } from '../../domain/display-width';

describe('terminal columns', () => {
  it.each([
    ['ada@example.com', 15],
    ['иван@пример.рф', 14],
    ['山田@例え.jp', 12],
    ['🌷', 2],
    ['e\u0301', 1],
  ])('%s takes %i columns', (text, columns) => {
    expect(displayWidth(text)).toBe(columns);
  });

  it('pads a Japanese address to the same column as an ASCII one', () => {
    const rows = ['山田@例え.jp', 'ada@example.com'].map((email) => `${padToWidth(email, 16)}|`);
    expect(rows.map(displayWidth)).toEqual([17, 17]);
    expect(padToWidth('12', 5, 'start')).toBe('   12');
  });
});
