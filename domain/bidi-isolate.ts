/**
 * Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic and their presentation forms, and the
 * right-to-left and Arabic letter marks Intl puts into numbers and dates formatted for those
 * languages (`‏19.90 €` in Arabic begins with U+200F).
 */
const RIGHT_TO_LEFT = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\u200f\u061c]/;

/**
 * A value in the customer's language (a price, a date, their name), made safe to set into a line
 * written in another: wrapped in a first-strong isolate (U+2068 … U+2069) when it holds
 * right-to-left text.
 * Without it the bidi algorithm reorders the value with its neighbours: an Arabic customer's
 * "2 × ‏19.90 € = ‏39.80 €" in an English email reads "2 × 39.80 = € 19.90 €", the unit price
 * and the line total swapped. Left-to-right values come back unchanged (no invisible characters
 * for the customers who do not need them).
 */
export function isolateRightToLeft(text: string): string {
  return RIGHT_TO_LEFT.test(text) ? `\u2068${text}\u2069` : text;
}

/** A letter of a left-to-right script: Latin, Cyrillic, Greek, CJK… (any letter but the right-to-left ones). */
const LEFT_TO_RIGHT_LETTER = /(?![\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc])\p{L}/u;

/**
 * A value from the shop (a product's or a customer's name) made safe to set into a line of a
 * template written in `lineDirection`: wrapped in a first-strong isolate when it holds letters of
 * the other direction. In a right-to-left (Hebrew, Arabic) email the product
 * `"Tom & Jerry" mug <350 ml> — it's back ☕` otherwise shows its quotation mark and emoji at the
 * wrong ends (`Tom & Jerry" mug … it's" back ☕`): neutral characters at the edges of a
 * left-to-right run take the line's direction. In a left-to-right line this is `isolateRightToLeft`.
 */
export function isolateForLine({ text, lineDirection }: { text: string; lineDirection: 'ltr' | 'rtl' }): string {
  if (lineDirection === 'ltr') return isolateRightToLeft(text);
  return LEFT_TO_RIGHT_LETTER.test(text) ? `\u2068${text}\u2069` : text;
}
