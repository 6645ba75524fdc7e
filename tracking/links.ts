/**
 * Rewrites an email's links to tracked links and adds the open pixel. The original URLs are
 * returned in order: the message row keeps them, and a click token only carries an index into
 * that list, so the redirect can only ever lead to a URL that was in the email.
 */

export interface InstrumentInput {
  html: string;
  text: string;
  /** The tracked link for the n-th distinct URL; absent: links are left as they are. */
  linkUrl?: (index: number) => string;
  /** The open pixel's URL; absent: no pixel. */
  pixelUrl?: string;
  /** URLs never rewritten (the unsubscribe link goes straight to its page). */
  keep?: (url: string) => boolean;
}

export interface InstrumentedEmail {
  html: string;
  text: string;
  /** The distinct original URLs, in the order their indexes were given. */
  links: string[];
}

const ANCHOR_HREF = /(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2/gis;

export function instrumentEmail({
  html,
  text,
  linkUrl,
  pixelUrl,
  keep = () => false,
}: InstrumentInput): InstrumentedEmail {
  const links: string[] = [];
  const indexOf = (url: string) => {
    const known = links.indexOf(url);
    if (known !== -1) return known;
    links.push(url);
    return links.length - 1;
  };

  let tracked = html;
  if (linkUrl) {
    tracked = html.replace(ANCHOR_HREF, (whole, start: string, quote: string, raw: string) => {
      const url = decodeAttribute(raw.trim());
      if (!/^https?:\/\//i.test(url) || keep(url)) return whole;
      return `${start}${quote}${encodeAttribute(linkUrl(indexOf(url)))}${quote}`;
    });
  }
  if (pixelUrl) tracked = addPixel(tracked, pixelUrl);

  let trackedText = text;
  if (linkUrl && links.length > 0) {
    // Longest first, so a URL that is a prefix of another does not swallow part of it.
    const byLength = links.map((url, index) => ({ url, index })).sort((a, b) => b.url.length - a.url.length);
    const pattern = new RegExp(byLength.map(({ url }) => escapeRegExp(url)).join('|'), 'g');
    trackedText = text.replace(pattern, (url) => linkUrl(links.indexOf(url)));
  }
  return { html: tracked, text: trackedText, links };
}

function addPixel(html: string, url: string): string {
  const pixel =
    `<img src="${encodeAttribute(url)}" width="1" height="1" alt="" ` +
    'style="display:block;width:1px;height:1px;border:0;margin:0;padding:0" />';
  const end = html.search(/<\/body>/i);
  return end === -1 ? html + pixel : html.slice(0, end) + pixel + html.slice(end);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Handlebars escapes `=`, `'` and `` ` `` as numeric references (`&#x3D;`); the stored URL must be the real one. */
function decodeAttribute(value: string): string {
  return value.replace(
    /&(?:#x([0-9a-f]+)|#(\d+)|(amp|lt|gt|quot|apos));/gi,
    (whole, hex?: string, dec?: string, name?: string) => {
      if (hex) return String.fromCodePoint(parseInt(hex, 16));
      if (dec) return String.fromCodePoint(Number(dec));
      return ENTITIES[name!.toLowerCase()] ?? whole;
    },
  );
}

function encodeAttribute(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
