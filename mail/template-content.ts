/** What a reader of an email sees: its text, where its links go, which images it shows. */
export interface EmailContent {
  text: string;
  links: string[];
  images: Array<{ src: string; alt: string | undefined }>;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes the entities Handlebars and MJML write (`&amp;`, `&#x3D;`, `&#39;`, …). */
export function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return String.fromCodePoint(code);
    }
    return NAMED[body.toLowerCase()] ?? entity;
  });
}

function attribute(tag: string, name: string): string | undefined {
  const value = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag);
  return value ? decodeEntities(value[2] ?? value[3] ?? '') : undefined;
}

export function emailContent({ html, text }: { html: string; text: string }): EmailContent {
  return {
    text: text.replace(/\s+/g, ' ').trim(),
    links: [...html.matchAll(/<a\b[^>]*>/gi)].flatMap((match) => attribute(match[0], 'href') ?? []),
    images: [...html.matchAll(/<img\b[^>]*>/gi)].map((match) => ({
      src: attribute(match[0], 'src') ?? '',
      alt: attribute(match[0], 'alt'),
    })),
  };
}

/** The first way two renders of one email differ for a reader, or undefined when they do not. */
export function firstDifference(expected: EmailContent, actual: EmailContent): string | undefined {
  if (expected.text !== actual.text) {
    let index = 0;
    while (expected.text[index] === actual.text[index]) index++;
    const around = (value: string) => JSON.stringify(value.slice(Math.max(0, index - 30), index + 30));
    return `text differs: expected …${around(expected.text)}…, got …${around(actual.text)}…`;
  }
  const list = <T>(name: string, a: T[], b: T[]) =>
    JSON.stringify(a) === JSON.stringify(b)
      ? undefined
      : `${name} differ: expected ${JSON.stringify(a)}, got ${JSON.stringify(b)}`;
  return list('links', expected.links, actual.links) ?? list('images', expected.images, actual.images);
}
