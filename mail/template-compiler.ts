import { isolateRightToLeft } from '../domain/bidi-isolate';
import Handlebars from 'handlebars';
import { type FormatCallback, convert } from 'html-to-text';
import mjml2html from 'mjml';
import { type LocalizedText, textForLocale } from '../domain/localized-text';
import { pickVariant } from '../domain/subject-variant';
import { textDirectionOf } from '../domain/text-direction';
import { headerText } from './header-text';
import {
  type Origin,
  TemplateError,
  at,
  describeRuntimeError,
  displayPath,
  handlebarsPosition,
} from './template-errors';
import { type ExpandedSource, checkSyntax, expandPartials } from './template-expand';
import { type RenderFrame, helperNames, registerHelpers } from './template-helpers';
import {
  type ProtectedStatement,
  type RestoredSource,
  protectStatements,
  restoreStatements,
  statementAt,
} from './template-protect';
import { subjectLinesOf } from './subject-lines';
import { type ShopView, type TemplateFile, type TemplateSources, pickFile, shopForLocale } from './template-source';

export interface RenderedEmail {
  templateId: string;
  /** Content hash of the template and its partials: recorded on every message row. */
  templateVersion: string;
  /** The template language used (the customer's, or the shop default when there is no variant). */
  locale: string;
  /** 0-based index of the subject line used (one line per A/B variant in subject.hbs); people see it + 1. */
  subjectVariant: number;
  /** How many subject lines the template has: more than one makes the send a subject-line test. */
  subjectCount: number;
  subject: string;
  preheader: string;
  html: string;
  text: string;
}

export interface RenderOptions {
  /** The customer's language tag; picks `body.<locale>.mjml` etc. Defaults to `data.locale`. */
  locale?: string;
  /** Which subject line to use, 0-based; wins over `variantKey`. Without either, the first. */
  subjectVariant?: number;
  /**
   * The send's unique key: picks the subject line from a hash of it, so a retry of the send gets
   * the same line and the lines split the sends evenly.
   */
  variantKey?: string;
  /** The send time: a discount that has expired by then is not shown. */
  now?: Date;
  /** This recipient's own unsubscribe page (a signed link); previews fall back to shop.json's pattern. */
  unsubscribeUrl?: string;
  /** The sender's postal address from config (SHOP_POSTAL_ADDRESS), overriding shop.json's in every language. */
  postalAddress?: LocalizedText;
  /** The name of a shop of the `shops` table (its --from-name), overriding shop.json's in every language. */
  shopName?: string;
}

type Run = (data: object, frame: RenderFrame) => string;

/** One template version in one language, ready to send: Handlebars functions only, no MJML. */
export interface CompiledTemplate {
  templateId: string;
  version: string;
  locale: string;
  /** The shop as this language shows it (shop.json's text for the locale). */
  shop: ShopView;
  /** Plain text, one line and header-safe (`headerText`); the body escapes them where it shows them. */
  subjects: Run[];
  preheader: Run;
  /** Where each part was written, for the pre-flight check's messages. */
  origins: { body: string; subjects: Origin[]; preheader: string };
  body: Run;
  text: Run;
}

const handlebars = Handlebars.create();
registerHelpers(handlebars);

/**
 * How sends compile: strict, and with every helper known up front, so a `{{name}}` is a plain
 * lookup rather than a helper-or-variable check, and helpers are called directly. A call to a
 * helper that does not exist is then an error when the template is compiled, naming its line.
 */
const SEND_OPTIONS = {
  strict: true,
  knownHelpers: Object.fromEntries(helperNames.map((name) => [name, true])),
  knownHelpersOnly: true,
} as const;

/**
 * In the text part a link keeps its URL only when it is a call to action (an `<mj-button>`) or the
 * unsubscribe link; other links (a product's name, "write a review") are their text alone. A tracked
 * URL per product line made the text part mostly URL, and in a Russian email their Latin letters
 * against the Cyrillic scored SpamAssassin's MIXED_ES. A link around only an image (a product photo)
 * is left out: the image is not in the text part either.
 */
const textLink: FormatCallback = (elem, walk, builder, formatOptions) => {
  let text = '';
  builder.pushWordTransform((word) => {
    text += word;
    return word;
  });
  walk(elem.children, builder);
  builder.popWordTransform();
  const href: string | undefined = elem.attribs?.href;
  const keepUrl = (formatOptions as { keepUrl: (href: string) => boolean }).keepUrl;
  if (text && href && (isButton(elem) || keepUrl(href))) builder.addInline(` [${href}]`, { noWordTransform: true });
};

/** `{{unsubscribeUrl}}` as a template writes it in an href. */
const isUnsubscribeStatement = (source: string) => /^\{\{\s*unsubscribeUrl\s*\}\}$/.test(source.trim());

/** MJML renders `<mj-button>` as a link alone in a cell with the button's colour. */
function isButton(elem: { parent?: { name?: string; attribs?: Record<string, string> } | null }): boolean {
  const cell = elem.parent;
  return cell?.name === 'td' && cell.attribs?.role === 'presentation' && cell.attribs.bgcolor !== undefined;
}

/**
 * Turns email HTML into its plain-text part; the same options for both render paths. `isUnsubscribe`
 * recognises the unsubscribe link's href (a statement token when compiling, a URL when rendering).
 */
export function htmlToText(html: string, { isUnsubscribe }: { isUnsubscribe: (href: string) => boolean }): string {
  return convert(html, {
    wordwrap: false,
    formatters: { textLink },
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'a', format: 'textLink', options: { keepUrl: isUnsubscribe } },
      // The preheader: hidden in the HTML, and noise at the top of the text part.
      { selector: 'div[style*="display:none"]', format: 'skip' },
      ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
    ],
  });
}

/** How MJML hides `<mj-preview>`: white 1px text, opacity 0. */
const MJML_PREVIEW_STYLE =
  'display:none;font-size:1px;color:#ffffff;line-height:1px;max-height:0px;max-width:0px;opacity:0;overflow:hidden;';

/**
 * How cartflow hides it instead: spam filters score MJML's white text on a light body as
 * HTML_FONT_LOW_CONTRAST (a colour equal to the background too), and the 1px font without a
 * colour as FONT_INVIS_*. No colour and no font size; `mso-hide:all` hides it in Outlook.
 */
export const PREVIEW_STYLE = 'display:none;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all;';

/** MJML → HTML with strict validation; errors name the source file and line of the element. */
export async function compileMjml(mjml: string, { origins }: ExpandedSource): Promise<string> {
  try {
    const result = await mjml2html(mjml, { validationLevel: 'strict', keepComments: false });
    return result.html.replace(`<div style="${MJML_PREVIEW_STYLE}">`, `<div style="${PREVIEW_STYLE}">`);
  } catch (error) {
    const problems = (error as { errors?: Array<{ line: number; message: string }> }).errors;
    if (!problems?.length) throw new TemplateError(`${displayPath(origins[0]!.file)}: ${(error as Error).message}`);
    const lines = problems.map(({ line, message }) => `${at(origins[line - 1] ?? origins[0]!)}: ${message}`);
    throw new TemplateError(lines.join('\n'));
  }
}

/** The locale's files: body (with partials inlined), subject lines, preheader, optional text. */
export function localeFiles(sources: TemplateSources, locale: string) {
  const pick = (base: string, ext: string) => pickFile(sources.files, { base, ext, locale });
  const subject = pick('subject', 'hbs');
  const preheader = pick('preheader', 'hbs');
  const missing = !subject ? 'subject.hbs' : !preheader ? 'preheader.hbs' : undefined;
  if (missing) throw new TemplateError(`${displayPath(sources.folder)}/${missing}: missing (every template needs one)`);
  const body = expandPartials({ file: pick('body', 'mjml')!, partials: sources.partials, locale });
  return { body: withDirection(body, locale), subject: subject!, preheader: preheader!, text: pick('text', 'hbs') };
}

/** The root `<mjml …>` tag, when it does not say its direction itself. */
const ROOT_WITHOUT_DIR = /<mjml\b(?![^>]*\sdir\s*=)[^>]*>/;
/** MJML lays sections and columns out left to right and aligns text left unless told otherwise. */
const RIGHT_TO_LEFT_DEFAULTS =
  '<mj-attributes><mj-section direction="rtl" /><mj-column direction="rtl" /><mj-text align="right" /></mj-attributes>';

/**
 * A body in a right-to-left language (body.he.mjml, body.ar.mjml) is laid out right to left, so a
 * shop that copies body.mjml to translate it need not know MJML's attributes for it: the root gets
 * `dir="rtl"` and the head defaults for sections, columns and text that MJML otherwise sets left
 * to right (an element's own attribute still wins). A root that sets `dir` itself is left alone.
 * Inserted within lines, so the origins of the lines stay right.
 */
function withDirection(body: ExpandedSource, locale: string): ExpandedSource {
  const root = ROOT_WITHOUT_DIR.exec(body.source);
  if (textDirectionOf(locale) !== 'rtl' || !root) return body;
  const rootRtl = root[0].replace(/^<mjml\b/, '<mjml dir="rtl"');
  let source = body.source.replace(root[0], rootRtl);
  source = source.includes('<mj-head>')
    ? source.replace('<mj-head>', `<mj-head>${RIGHT_TO_LEFT_DEFAULTS}`)
    : source.replace(rootRtl, `${rootRtl}<mj-head>${RIGHT_TO_LEFT_DEFAULTS}</mj-head>`);
  return { ...body, source };
}

/**
 * Compiles one template version for one locale: MJML → HTML once, with the Handlebars statements
 * carried through it as tokens, then Handlebars once. Sends only run the resulting functions.
 */
export async function compileTemplate(sources: TemplateSources, locale: string): Promise<CompiledTemplate> {
  const files = localeFiles(sources, locale);
  const protectedMjml = protectStatements(files.body);
  const html = await compileMjml(protectedMjml.mjml, files.body);
  const restoredHtml = restoreStatements(html, protectedMjml.statements);
  const subjects = subjectLines(files.subject);
  const lost = restoredHtml.lost[0];
  if (lost) {
    throw new TemplateError(
      `${at(lost.origin)}: ${lost.text} is lost when the MJML is compiled (it is in a comment or an attribute MJML drops)`,
    );
  }
  return {
    templateId: sources.id,
    version: sources.version,
    locale,
    shop: shopForLocale(sources.shop, locale),
    subjects: subjects.map(({ source, origin }) => compileHeaderText(source, () => origin)),
    origins: {
      body: files.body.origins[0]!.file,
      subjects: subjects.map(({ origin }) => origin),
      preheader: files.preheader.path,
    },
    preheader: compileHeaderText(files.preheader.content, (line, column) => ({
      file: files.preheader.path,
      line,
      column: column + 1,
    })),
    body: compileRestored(restoredHtml, { escape: true, file: files.body.origins[0]!.file }),
    text: files.text
      ? compileFile(files.text)
      : tidied(
          compileRestored(
            restoreStatements(
              htmlToText(html, {
                isUnsubscribe: (href) =>
                  isUnsubscribeStatement(restoreStatements(href, protectedMjml.statements).source),
              }),
              protectedMjml.statements,
            ),
            {
              escape: false,
              file: files.body.origins[0]!.file,
            },
          ),
        ),
  };
}

/** Runs the compiled functions: microseconds, no MJML. */
export function renderCompiled(
  template: CompiledTemplate,
  data: object,
  options: Omit<RenderOptions, 'locale'> = {},
): RenderedEmail {
  const subjectVariant =
    options.subjectVariant ??
    (options.variantKey === undefined ? 0 : pickVariant({ key: options.variantKey, count: template.subjects.length }));
  const subjectRun = template.subjects[subjectVariant];
  if (!subjectRun) {
    // Numbered from 1 as people (and campaign files' `subjectLine`) count the lines of subject.hbs.
    const count = template.subjects.length;
    throw new TemplateError(
      `${template.templateId}: no subject line ${subjectVariant + 1} (subject.hbs has ${count} line${count === 1 ? '' : 's'}: 1 to ${count})`,
    );
  }
  const frame = frameFor(template.locale, template.templateId, options);
  const view: Record<string, unknown> = { ...data, shop: shopFor(template, options) };
  const subject = subjectRun(view, frame);
  const preheader = template.preheader(view, frame);
  // The body shows both (<mj-title>, <mj-preview>): added to the view rather than copying it again.
  view.subject = subject;
  view.preheader = preheader;
  return {
    templateId: template.templateId,
    templateVersion: template.version,
    locale: template.locale,
    subjectVariant,
    subjectCount: template.subjects.length,
    subject,
    preheader,
    html: template.body(view, frame),
    text: template.text(view, frame),
  };
}

function frameFor(locale: string, templateId: string, options: Omit<RenderOptions, 'locale'>): RenderFrame {
  const frame: RenderFrame = { locale, templateId, now: options.now ?? new Date(), once: new Map() };
  if (options.unsubscribeUrl !== undefined) frame.unsubscribeUrl = options.unsubscribeUrl;
  return frame;
}

function shopFor(template: CompiledTemplate, options: Omit<RenderOptions, 'locale'>): ShopView {
  const { shop, locale } = template;
  if (!options.postalAddress && !options.shopName) return shop;
  return {
    ...shop,
    ...(options.postalAddress ? { postalAddress: textForLocale(options.postalAddress, locale) } : {}),
    ...(options.shopName ? { name: isolateRightToLeft(options.shopName) } : {}),
  };
}

/**
 * The slow reference path: Handlebars on the MJML, then MJML, for every email. The pre-flight
 * check compares it with `renderCompiled`, and the benchmark times both. `compiled` supplies the
 * subject, preheader and a written text part, which never go through MJML.
 */
export async function renderPerEmail(input: {
  sources: TemplateSources;
  compiled: CompiledTemplate;
  data: object;
  options?: Omit<RenderOptions, 'locale'>;
}): Promise<RenderedEmail> {
  const { sources, compiled, data, options = {} } = input;
  const files = localeFiles(sources, compiled.locale);
  const light = renderCompiled({ ...compiled, body: () => '', text: () => '' }, data, options);
  const frame = frameFor(compiled.locale, sources.id, options);
  const full = { ...data, shop: shopFor(compiled, options), subject: light.subject, preheader: light.preheader };
  const body = handlebars.compile(files.body.source, { strict: true });
  const mjml = runMapped(body, full, frame, (line) => files.body.origins[line - 1] ?? files.body.origins[0]!);
  const html = await compileMjml(mjml, files.body);
  // The unsubscribe URL this email's body rendered (signed per send, or the shop's page).
  const unsubscribe = frame.unsubscribeUrl ?? frame.once.get('unsubscribeUrl');
  const text = files.text
    ? compiled.text(full, frame)
    : tidyText(htmlToText(html, { isUnsubscribe: (href) => href === unsubscribe }));
  return { ...light, html, text };
}

function subjectLines(file: TemplateFile): Array<{ source: string; origin: Origin }> {
  const lines = subjectLinesOf(file).map(({ source, line }) => ({ source, origin: { file: file.path, line } }));
  if (lines.length === 0) throw new TemplateError(`${displayPath(file.path)}: empty (write at least one subject line)`);
  return lines;
}

/**
 * A subject line or the preheader: plain text, not HTML. Handlebars runs without HTML escaping
 * (still strict, so a missing variable throws), and the result is one header-safe line. The body
 * shows it through `{{subject}}` and `{{preheader}}`, which escape it there, once.
 */
function compileHeaderText(source: string, locate: (line: number, column: number) => Origin): Run {
  checkSyntax({ path: locate(1, 0).file, content: source });
  const template = handlebars.compile(source, { ...SEND_OPTIONS, noEscape: true });
  return (data, frame) => headerText(runMapped(template, data, frame, locate));
}

function compileFile(file: TemplateFile): Run {
  checkSyntax(file);
  const template = handlebars.compile(file.content, { ...SEND_OPTIONS, noEscape: true });
  return (data, frame) =>
    runMapped(template, data, frame, (line, column) => ({ file: file.path, line, column: column + 1 }));
}

function compileRestored(restored: RestoredSource, options: { escape: boolean; file: string }): Run {
  try {
    handlebars.parse(restored.source);
  } catch (error) {
    const reason = (error as Error).message.trim().split('\n').at(-1);
    throw new TemplateError(`${displayPath(options.file)}: these blocks cannot be compiled once: ${reason}`);
  }
  const template = handlebars.compile(restored.source, { ...SEND_OPTIONS, noEscape: !options.escape });
  return (data, frame) =>
    runMapped(template, data, frame, (line, column) => {
      const span = statementAt(restored, { line, column });
      return span ? spanOrigin(span.statement) : { file: options.file, line: 1 };
    });
}

const spanOrigin = (statement: ProtectedStatement): Origin & { statement: string } => ({
  ...statement.origin,
  statement: statement.text,
});

function runMapped(
  template: HandlebarsTemplateDelegate,
  data: object,
  frame: RenderFrame,
  locate: (line: number, column: number) => Origin & { statement?: string },
): string {
  try {
    return template(data, { data: frame });
  } catch (error) {
    const message = (error as Error).message;
    const position = handlebarsPosition(message);
    if (!position) throw new TemplateError(`${displayPath(locate(1, 0).file)}: ${message}`);
    const origin = locate(position.line, position.column);
    const where = origin.statement ? ` in ${origin.statement}` : '';
    throw new TemplateError(`${at(origin)}: ${describeRuntimeError(position.text)}${where}`);
  }
}

/**
 * Blocks that rendered nothing leave runs of blank lines in a generated text part: trailing spaces
 * go, blank lines collapse to one, and the ends are trimmed. One pass over the lines, because
 * this runs on every send (two regular expressions over the whole text cost three times as much).
 */
function tidyText(text: string): string {
  // Other line ends (\r, U+2028) are rare enough to leave to the regular expressions.
  if (text.includes('\r') || text.includes('\u2028') || text.includes('\u2029')) {
    return text
      .replace(/[ \t]+$/gm, '')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
  }
  let tidy = '';
  let blankBefore = false;
  for (let start = 0; start <= text.length;) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    let stop = end;
    while (stop > start && (text.charCodeAt(stop - 1) === 32 || text.charCodeAt(stop - 1) === 9)) stop--;
    if (stop === start) {
      blankBefore = true;
    } else {
      if (tidy) tidy += blankBefore ? '\n\n' : '\n';
      tidy += text.slice(start, stop);
      blankBefore = false;
    }
    start = end + 1;
  }
  return tidy.trim();
}

const tidied =
  (run: Run): Run =>
  (data, frame) =>
    tidyText(run(data, frame));
