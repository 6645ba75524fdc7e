// The userland punycode.js (RFC 3492), by path: a bare `punycode` is Node's deprecated built-in.
import punycode from 'punycode/punycode.js';

/**
 * Addresses as a person reads them. Rows, envelopes and headers keep the canonical A-label form
 * (`domain/email-address.ts`); wherever an address is shown (an alert, a page, a CLI table), the
 * domain is in U-labels: `покупатель@xn--80aairftm.xn--p1ai` reads `покупатель@магазин.рф`.
 *
 * A label is shown decoded only when decoding is certain and honest, otherwise as it is:
 * - it must round-trip: the decoded text, IDNA-mapped by the WHATWG URL host parser, gives back
 *   the same A-label (this refuses bad punycode, disallowed characters and non-NFC forms);
 * - it must not mix Latin with Cyrillic or Greek letters (`xn--pple-43d.com` is `аpple.com` with a
 *   Cyrillic `а`): such a label is the classic look-alike, and its A-label is the honest display.
 */
export function displayEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  return `${address.slice(0, at)}@${displayDomain(address.slice(at + 1))}`;
}

/** A domain name with each A-label shown as its U-label (see `displayEmail`). */
export function displayDomain(domain: string): string {
  return domain.split('.').map(displayLabel).join('.');
}

const ACE_PREFIX = 'xn--';
const LOOK_ALIKE_SCRIPTS = [/\p{Script=Latin}/u, /\p{Script=Cyrillic}/u, /\p{Script=Greek}/u];

function displayLabel(label: string): string {
  const aLabel = label.toLowerCase();
  if (!aLabel.startsWith(ACE_PREFIX)) return label;
  let uLabel: string;
  try {
    uLabel = punycode.decode(aLabel.slice(ACE_PREFIX.length));
  } catch {
    return label;
  }
  if (!roundTrips({ uLabel, aLabel }) || mixesLookAlikeScripts(uLabel)) return label;
  return uLabel;
}

function roundTrips({ uLabel, aLabel }: { uLabel: string; aLabel: string }): boolean {
  // Anything that is not one valid label (a dot, a slash, a `%41`) parses to another hostname.
  try {
    return new URL(`http://${uLabel}.example/`).hostname === `${aLabel}.example`;
  } catch {
    return false;
  }
}

function mixesLookAlikeScripts(uLabel: string): boolean {
  return LOOK_ALIKE_SCRIPTS.filter((script) => script.test(uLabel)).length > 1;
}
