import { asciiDomain } from './email-address';

/**
 * A shop's own DKIM settings, as `cartflow shops add --dkim-*` checks them: pure rules over text,
 * the key itself is checked where node:crypto may be used (app/dkim-config.ts).
 */

export type DkimCheck<T> = { ok: true; value: T } | { ok: false; reason: string };

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * A selector is a DNS name below `_domainkey` (RFC 6376 3.1): one label, or several joined by dots
 * (`2026.mail`), each letters, digits and inner hyphens. Kept as given: receivers compare it
 * case-insensitively, as DNS does.
 */
export function parseDkimSelector(text: string): DkimCheck<string> {
  if (text.length === 0) return { ok: false, reason: '--dkim-selector is empty' };
  if (!text.split('.').every((label) => LABEL.test(label)))
    return {
      ok: false,
      reason: `--dkim-selector ${JSON.stringify(text)} is not a DNS label (letters, digits and inner hyphens, at most 63, e.g. cartflow2026)`,
    };
  return { ok: true, value: text };
}

/** The signing domain as lower-case A-labels, the form the `d=` tag carries and DNS is asked for. */
export function parseDkimDomain(text: string): DkimCheck<string> {
  const parsed = asciiDomain(text);
  if (!parsed.ok)
    return { ok: false, reason: `--dkim-domain ${JSON.stringify(text)} is not a domain: ${parsed.reason}` };
  return parsed;
}

/**
 * DMARC relaxed alignment as cartflow checks it without a public-suffix list: the signing domain is
 * the From domain or one of its parents (`d=obrien.example` signs `hello@mail.obrien.example`).
 * Both in lower-case A-labels.
 */
export function dkimAlignsWithFrom({ dkimDomain, fromDomain }: { dkimDomain: string; fromDomain: string }): boolean {
  return fromDomain === dkimDomain || fromDomain.endsWith(`.${dkimDomain}`);
}
