/**
 * Characters a subject or preheader must not carry: C0 and C1 controls (CR and LF would start a
 * new mail header), DEL, the Unicode line and paragraph separators, and the bidi embedding,
 * override and isolate controls (U+202A–U+202E, U+2066–U+2069), which can make a subject read
 * backwards. Right-to-left letters and the plain direction marks (U+200E, U+200F) stay, and so does
 * a first-strong isolate that is closed (U+2068 … U+2069): it only keeps its content's direction
 * to itself and cannot reverse anything, and it is how a right-to-left price or date keeps its
 * place in a left-to-right subject (domain/bidi-isolate.ts). `headerText` drops any other.
 */
export const HEADER_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066\u2067]/;

const UNSAFE_OR_SPACES = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]| {2}/;
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029 ]+/g;
const DROPPED = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066\u2067]/g;
/** A first-strong isolate with its closing mark and nothing of the kind inside (kept), or a stray mark (dropped). */
const FIRST_STRONG_ISOLATES = /\u2068[^\u2068\u2069]*\u2069|[\u2068\u2069]/g;

/**
 * Rendered subject or preheader → one line of plain text that is safe in a mail header: line
 * breaks and tabs become one space (so `Ada\r\nBcc: x@y` stays inside the Subject), other
 * controls and bidi controls are dropped (but closed first-strong isolates), runs of spaces
 * collapse and the ends are trimmed.
 */
export function headerText(value: string): string {
  // Most lines are clean: one test, and no copy, on the send path.
  if (!UNSAFE_OR_SPACES.test(value)) return value.trim();
  return value
    .replace(BREAKS, ' ')
    .replace(DROPPED, '')
    .replace(FIRST_STRONG_ISOLATES, (found) => (found.length > 1 ? found : ''))
    .replace(/ {2,}/g, ' ')
    .trim();
}
