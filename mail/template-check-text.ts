import { type CompiledTemplate, type RenderedEmail, localeFiles } from './template-compiler';
import { decodeEntities } from './template-content';
import { at, displayPath } from './template-errors';
import { HEADER_UNSAFE } from './header-text';
import type { TemplateSources } from './template-source';

/** `&amp;`, `&#x27;`, `&#39;`, `&quot;`, `&lt;`: what a reader sees of text escaped once too often. */
const ENTITY = /&(?:#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi;

const entitiesIn = (value: string): string[] => value.match(ENTITY) ?? [];

/** Every string in a sample's data (and shop.json): an entity the shop sent is the shop's text. */
function stringsOf(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (value && typeof value === 'object') for (const entry of Object.values(value)) stringsOf(entry, into);
  return into;
}

const quoted = (entities: string[]) => entities.map((entity) => `"${entity}"`).join(', ');

const codePoint = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Subjects and preheaders are plain text in a mail header, the text part is plain text, and the
 * HTML is read once decoded: none of them may show an HTML entity the sample's data did not
 * contain (the sign of text escaped where it should not be, or escaped twice), and the subject and
 * preheader may carry no line break, control or bidi override; no subject may come out empty.
 */
export function checkPlainText(input: {
  compiled: CompiledTemplate;
  data: object;
  /** One render per subject variant. */
  emails: RenderedEmail[];
  problem: (severity: 'error', text: string) => void;
}): void {
  const { compiled, data, emails, problem } = input;
  const given = new Set(entitiesIn(stringsOf([data, compiled.shop]).join('\n')));
  const shown = (value: string) => [...new Set(entitiesIn(value))].filter((entity) => !given.has(entity));
  const body = displayPath(compiled.origins.body);
  const preheader = `${displayPath(compiled.origins.preheader)}:1`;

  const headerField = (where: string, name: string, value: string) => {
    if (name === 'subject' && !value.trim()) {
      problem(
        'error',
        `${where}: the subject is empty for this sample (an inbox shows "(no subject)"): give every branch words`,
      );
    }
    const entities = shown(value);
    if (entities.length) {
      problem(
        'error',
        `${where}: the ${name} shows ${quoted(entities)}, which the sample does not contain (it is plain text: HTML-escaped by mistake): "${value}"`,
      );
    }
    const unsafe = HEADER_UNSAFE.exec(value)?.[0];
    if (unsafe !== undefined) {
      problem(
        'error',
        `${where}: the ${name} contains ${codePoint(unsafe)}, a line break, control or bidi character a mail header must not carry`,
      );
    }
  };

  emails.forEach((email, variant) => headerField(at(compiled.origins.subjects[variant]!), 'subject', email.subject));
  const email = emails[0]!;
  headerField(preheader, 'preheader', email.preheader);
  const inText = shown(email.text);
  if (inText.length)
    problem('error', `${body}: the plain-text part shows ${quoted(inText)} (HTML entities in plain text)`);
  const inHtml = shown(decodeEntities(email.html));
  if (inHtml.length) problem('error', `${body}: a reader of the HTML sees ${quoted(inHtml)} (escaped twice)`);
}

/** An HTML tag in the words of a subject or preheader: `<b>`, `</i>`, `<br/>`, `<span style="…">`. */
const HTML_TAG = /<\/?[a-z][a-z0-9-]*(?:\s[^<>]*)?\/?>/i;

/**
 * Subjects and preheaders are plain text: a tag written in them (`Spring is <b>here</b>`) reaches
 * the inbox as those very characters. Only the template's own words are searched, outside `{{ }}`:
 * a product named `<350 ml>` is the shop's text, shown as sent.
 */
export function checkHeaderMarkup(
  sources: TemplateSources,
  locale: string,
  problem: (severity: 'error', text: string) => void,
): void {
  const { subject, preheader } = localeFiles(sources, locale);
  for (const [name, file] of [
    ['subject', subject],
    ['preheader', preheader],
  ] as const) {
    file.content.split('\n').forEach((line, index) => {
      const tag = HTML_TAG.exec(line.replace(/\{\{[\s\S]*?\}\}/g, ' '))?.[0];
      if (tag) {
        problem(
          'error',
          `${displayPath(file.path)}:${index + 1}: the ${name} contains the HTML tag ${tag}, which the inbox shows as written (a ${name} is plain text: remove it)`,
        );
      }
    });
  }
}
