/**
 * `text` cut to at most `max` UTF-16 code units (what the events' length limits count), at a
 * grapheme boundary. A plain `slice` can split an emoji's surrogate pair, and a lone surrogate is
 * not text PostgreSQL will store (the webhook answered 500 on every retry), or split a flag or a
 * family emoji into other symbols.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = '';
  for (const { segment } of new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(text)) {
    if (kept.length + segment.length > max) break;
    kept += segment;
  }
  return kept;
}
