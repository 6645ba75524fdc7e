import stringWidth from 'string-width';

/**
 * Columns a terminal gives `text`: wide CJK characters and emoji take two, combining marks none.
 * `String.length` counts UTF-16 units, so a table padded by it slips wherever a name is Japanese.
 */
export const displayWidth = (text: string): number => stringWidth(text);

/** `text` padded with spaces to `width` columns, at its end (left-aligned) or start (right-aligned). */
export function padToWidth(text: string, width: number, side: 'end' | 'start' = 'end'): string {
  const padding = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return side === 'end' ? `${text}${padding}` : `${padding}${text}`;
}
