/** The userland punycode.js package (no types of its own), imported by path; only what cartflow uses. */
declare module 'punycode/punycode.js' {
  /** RFC 3492: the Unicode text of a label's punycode part (without `xn--`); throws RangeError on bad input. */
  export function decode(input: string): string;
  const punycode: { decode: typeof decode };
  export default punycode;
}
