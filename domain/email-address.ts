import { z } from 'zod';

/**
 * Email addresses: what cartflow accepts, and the one form it stores and compares them in.
 *
 * Accepted (RFC 5321 Mailbox, with RFC 6531 SMTPUTF8 and IDNA domains):
 * - a dot-atom local part (`user+tag`, `name/surname`, `mailhost!user`), ASCII or not (`покупатель`);
 * - a quoted local part as a whole (`"quoted local"`, `"john..doe"`, `" "`);
 * - a domain name with at least one dot, as U-labels or A-labels in any case (`магазин.рф`,
 *   `XN--80AAIRFTM.XN--P1AI`), with an alphabetic or `xn--` top-level label.
 * Refused, with a reason: no or several unquoted @, empty or over-long parts, consecutive or edge
 * dots, specials and spaces outside quotes, comments, dotless domains and IP address literals
 * (a shop's customer needs an address on the public internet), and anything that is not a
 * hostname once IDNA-mapped (underscores, leading hyphens, bad punycode).
 *
 * The canonical form (`EmailAddress`, `canonicalEmail`) is what rows hold and lookups compare:
 * - the domain as lower-case A-labels: every ASCII address keeps exactly the form stored before
 *   IDN support (the whole address lower-cased), `x@xn--exmple-cua.org` included, so no stored
 *   row changes; it is also the form the SMTP envelope carries and bounce reports echo;
 * - an unquoted local part lower-cased (as before) and in Unicode NFC;
 * - a quoted local part keeps its case (the quotes are there because the mailbox is unusual) with
 *   only `"` and `\` escaped; one that needs no quotes (`"john"`) is unquoted, then lower-cased.
 *
 * Pure: no I/O; IDNA mapping is the WHATWG URL host parser's (the algorithm behind node:url
 * domainToASCII), through the `URL` global.
 */

export interface ParsedEmailAddress {
  /** The stored and compared form, e.g. `покупатель@xn--80aairftm.xn--p1ai`. */
  canonical: string;
  /** The canonical local part (quoted if it must be). */
  localPart: string;
  /** Lower-case A-labels. */
  domain: string;
  /** The local part is not ASCII: only a relay announcing SMTPUTF8 (RFC 6531) can carry it. */
  needsSmtpUtf8: boolean;
}

export type EmailAddressParse = { ok: true; address: ParsedEmailAddress } | { ok: false; reason: string };

const MAX_LOCAL_OCTETS = 64;
const MAX_DOMAIN_OCTETS = 253;
/** RFC 5321 4.5.3.1.3: a path is at most 256 octets, `<` and `>` included. */
const MAX_ADDRESS_OCTETS = 254;

// RFC 5321 atext, plus any non-ASCII character (RFC 6531 UTF8-non-ascii) that is not a control,
// unassigned, private-use, separator or bidi-formatting character (those only spoof or break).
const ATOM =
  /^(?:[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]|(?![\p{Cc}\p{Cs}\p{Co}\p{Cn}\p{Z}\u200e\u200f\u202a-\u202e\u2066-\u2069])[^\x00-\x7f])+$/u;
// RFC 5321 qtextSMTP and quoted-pairSMTP (space allowed, tab and controls not), plus UTF-8.
const QUOTED_CONTENT = /^(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e]|[^\x00-\x7f])*$/;
// Characters the URL host parser would read as structure or decode (`%41`), not as a name.
const NOT_IN_DOMAIN = /[\s\x00-\x1f\x7f%/\\?#@:[\]<>"(),;^|{}`']/u;
/** ATOM's ASCII half, dot-separated; edge and consecutive dots are refused before it is used. */
const ASCII_DOT_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LEVEL_LABEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

// Every webhook parses an address: an ASCII text's octets are its length, with no encoder or array.
const ASCII = /^[\x00-\x7f]*$/;
const utf8 = new TextEncoder();
const octets = (text: string) => (ASCII.test(text) ? text.length : utf8.encode(text).length);
// A domain of ASCII letters, digits, hyphens and dots that ends in an alphabetic label and holds no
// A-label to decode is its own IDNA mapping lower-cased: the URL host parser would only lower-case
// it (UTS 46 maps nothing else in that alphabet, and an alphabetic last label is never read as an
// IPv4 address). Skipping the parser for it is most addresses; test/unit/email-address.test.ts
// checks the two agree.
const PLAIN_ASCII_DOMAIN = /^[A-Za-z0-9.-]*\.[A-Za-z]+$/;
const HAS_A_LABEL = /(?:^|\.)xn--/i;
const refuse = (reason: string): EmailAddressParse => ({ ok: false, reason });

/** Parses one address (no display name, no surrounding spaces) into its canonical parts. */
export function parseEmailAddress(input: string): EmailAddressParse {
  const at = splitAtSign(input);
  if (typeof at === 'string') return refuse(at);
  const local = canonicalLocalPart(at.local);
  if (typeof local !== 'object') return refuse(local);
  const domain = asciiDomain(at.domain);
  if (!domain.ok) return refuse(domain.reason);
  const canonical = `${local.value}@${domain.value}`;
  if (octets(canonical) > MAX_ADDRESS_OCTETS) return refuse(`longer than ${MAX_ADDRESS_OCTETS} octets`);
  return {
    ok: true,
    address: {
      canonical,
      localPart: local.value,
      domain: domain.value,
      needsSmtpUtf8: /[^\x00-\x7f]/.test(local.value),
    },
  };
}

/** The canonical form, or undefined when the text is not an address. */
export function canonicalEmail(input: string): string | undefined {
  const parsed = parseEmailAddress(input);
  return parsed.ok ? parsed.address.canonical : undefined;
}

/**
 * The form to look an address up by: canonical when it parses; otherwise (a bounce report naming
 * something odd, an erased placeholder) trimmed and lower-cased, as every lookup did before.
 */
export function emailKey(input: string): string {
  const trimmed = input.trim();
  return canonicalEmail(trimmed) ?? trimmed.toLowerCase();
}

/** Whether two spellings name the same mailbox (`X@EXÄMPLE.org` and `x@xn--exmple-cua.org`). */
export function sameEmailAddress({ left, right }: { left: string; right: string }): boolean {
  return emailKey(left) === emailKey(right);
}

/** Only a relay announcing SMTPUTF8 can deliver to this address (its local part is not ASCII). */
export function needsSmtpUtf8(address: string): boolean {
  const parsed = parseEmailAddress(address);
  return parsed.ok && parsed.address.needsSmtpUtf8;
}

/**
 * A zod schema for an address field: its output is the canonical form, and a refusal says why
 * (`must be an email address: the domain needs a dot…`).
 */
export const EmailAddress = z.string({ error: 'must be an email address' }).transform((value, context) => {
  const parsed = parseEmailAddress(value);
  if (parsed.ok) return parsed.address.canonical;
  context.addIssue({ code: 'custom', message: `must be an email address: ${parsed.reason}` });
  return z.NEVER;
});

function splitAtSign(input: string): { local: string; domain: string } | string {
  if (input.length === 0) return 'empty';
  if (input !== input.trim()) return 'spaces around the address';
  // A quoted local part may itself contain @: the domain starts after the last unquoted one.
  let quoted = false;
  let at = -1;
  for (let i = 0; i < input.length; i++) {
    const char = input[i];
    if (char === '\\' && quoted) i++;
    else if (char === '"') quoted = !quoted;
    else if (char === '@' && !quoted) {
      if (at !== -1) return 'more than one @ outside quotes';
      at = i;
    }
  }
  if (quoted) return 'a quote is not closed';
  if (at === -1) return 'no @';
  return { local: input.slice(0, at), domain: input.slice(at + 1) };
}

function canonicalLocalPart(local: string): { value: string } | string {
  if (local.length === 0) return 'empty local part (before the @)';
  if (octets(local) > MAX_LOCAL_OCTETS) return `local part longer than ${MAX_LOCAL_OCTETS} octets`;
  if (local.startsWith('"') && local.endsWith('"') && local.length >= 2) {
    const content = local.slice(1, -1);
    if (!QUOTED_CONTENT.test(content)) return 'a quoted local part may not hold controls, tabs or a lone " or \\';
    const raw = content.replace(/\\(.)/g, '$1').normalize('NFC');
    if (raw.length === 0) return 'empty local part (before the @)';
    if (isDotAtom(raw)) return { value: raw.toLowerCase() };
    return { value: `"${raw.replace(/(["\\])/g, '\\$1')}"` };
  }
  if (local.includes('"')) return 'quotes must enclose the whole local part';
  if (/\s/u.test(local)) return 'spaces in the local part must be inside quotes';
  if (local.startsWith('.') || local.endsWith('.')) return 'the local part may not start or end with a dot';
  if (local.includes('..')) return 'consecutive dots in the local part (quote it if they are meant)';
  if (local.includes('(')) return 'comments are not accepted';
  // The common case, a plain ASCII dot-atom, needs neither Unicode classes nor normalising.
  if (ASCII_DOT_ATOM.test(local)) return { value: local.toLowerCase() };
  if (/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]/u.test(local)) return 'the local part holds a control or formatting character';
  if (!isDotAtom(local)) return 'special characters ( ) , : ; < > [ ] \\ in the local part must be inside quotes';
  return { value: local.normalize('NFC').toLowerCase() };
}

function isDotAtom(text: string): boolean {
  return text.split('.').every((atom) => ATOM.test(atom));
}

/**
 * A domain name as lower-case A-labels (`магазин.рф` → `xn--80aairftm.xn--p1ai`), or why it is not
 * one: the rule an address's domain follows, for domains given on their own (a DKIM signing domain).
 */
export function asciiDomain(domain: string): { ok: true; value: string } | { ok: false; reason: string } {
  const fail = (reason: string) => ({ ok: false as const, reason });
  if (domain.length === 0) return fail('empty domain (after the @)');
  if (domain.startsWith('[')) return fail('IP address literals are not accepted; the address needs a domain name');
  if (NOT_IN_DOMAIN.test(domain)) return fail('the domain holds a character no domain name has');
  const ascii = PLAIN_ASCII_DOMAIN.test(domain) && !HAS_A_LABEL.test(domain) ? domain.toLowerCase() : idnaHost(domain);
  if (ascii === undefined) return fail('the domain is not a valid internationalised domain name');
  const labels = ascii.split('.');
  if (ascii.length > MAX_DOMAIN_OCTETS) return fail(`domain longer than ${MAX_DOMAIN_OCTETS} octets`);
  if (labels.some((label) => label.length === 0)) {
    return fail('empty label in the domain (consecutive, leading or trailing dot)');
  }
  if (!labels.every((label) => LABEL.test(label))) {
    return fail('a domain label may hold only letters, digits and inner hyphens, at most 63 octets');
  }
  if (labels.length < 2) return fail('the domain needs a dot (dotless domains are not accepted)');
  if (!TOP_LEVEL_LABEL.test(labels[labels.length - 1] ?? '')) {
    return fail('the top-level domain must be letters (IP addresses are not accepted)');
  }
  return { ok: true, value: ascii };
}

/** The WHATWG URL host parser's ASCII form of a domain (IDNA mapping, punycode), or undefined when it refuses it. */
export function idnaHost(domain: string): string | undefined {
  try {
    return new URL(`http://${domain}/`).hostname;
  } catch {
    return undefined;
  }
}
