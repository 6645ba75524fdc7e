import { domainToASCII } from 'node:url';

/**
 * What the simulated recipient can see in a delivered email: its step, discount, tracked links,
 * open pixel and one-click unsubscribe URL. Read from the raw message as a mail client would.
 */
export interface EmailFacts {
  step: string | undefined;
  percentOff: number | undefined;
  /** Tracked link URLs in the order the HTML has them, each once. */
  links: string[];
  pixel: string | undefined;
  /** The https half of List-Unsubscribe (RFC 8058 one-click POST target). */
  unsubscribe: string | undefined;
}

// A link token: base32 capitals (tracking/tokens.ts) or, in emails sent before them, base64url with a dot.
const TOKEN = '[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)?';

export function emailFacts({ raw, html, text }: { raw: string; html: string; text: string }): EmailFacts {
  // Tokens are base32 or base64url, which HTML never escapes; the host part might hold an escaped `&`.
  const markup = html.replaceAll('&amp;', '&');
  const links = unique([...markup.matchAll(new RegExp(`https?://[^"'\\s<>]+/t/c/${TOKEN}`, 'g'))].map((m) => m[0]));
  const pixel = new RegExp(`https?://[^"'\\s<>]+/t/o/${TOKEN}\\.gif`).exec(markup)?.[0];
  const headers = raw.slice(0, Math.max(0, raw.search(/\r?\n\r?\n/))).replace(/\r?\n[ \t]+/g, ' ');
  const step = /^Feedback-ID:\s*([^:\r\n]+):/im.exec(headers)?.[1];
  const unsubscribe = /^List-Unsubscribe:\s*<(https?:[^>]+)>/im.exec(headers)?.[1];
  const percent = /(\d{1,2})\s?%/.exec(text)?.[1];
  return { step, percentOff: percent === undefined ? undefined : Number(percent), links, pixel, unsubscribe };
}

/** The key a recipient is looked up by, the same for `ольга@пример.рф` and its A-label form. */
export function mailboxKey(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address.toLowerCase();
  const domain = domainToASCII(address.slice(at + 1).toLowerCase()) || address.slice(at + 1).toLowerCase();
  return `${address.slice(0, at).toLowerCase()}@${domain}`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
