import { randomInt } from 'node:crypto';

/** No 0/O, 1/I/L: codes are read off phones and typed by hand. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/**
 * An unguessable single-use code: 12 characters from a 31-letter alphabet (≈59 bits from the
 * CSPRNG), so guessing one live code is hopeless even with millions issued.
 */
export function generateDiscountCode(length = 12): string {
  let code = '';
  for (let i = 0; i < length; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}
