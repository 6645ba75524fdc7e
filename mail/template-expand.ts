import Handlebars from 'handlebars';
import { type Origin, TemplateError, at, describeParseError, displayPath } from './template-errors';
import { type TemplateFile, pickFile } from './template-source';

/** One `{{…}}` statement in a template's text. */
export interface Statement {
  start: number;
  end: number;
  text: string;
}

/** Finds every Handlebars statement: `{{x}}`, `{{#each}}`, `{{!-- … --}}`; `\{{` is literal. */
export function scanStatements(source: string): Statement[] {
  const found: Statement[] = [];
  let index = source.indexOf('{{');
  while (index !== -1) {
    if (source[index - 1] === '\\') {
      index = source.indexOf('{{', index + 2);
      continue;
    }
    const close = source.startsWith('{{!--', index) ? '--}}' : source.startsWith('{{{', index) ? '}}}' : '}}';
    const end = source.indexOf(close, index + 2);
    if (end === -1) break; // left to Handlebars' parser, which reports it with its line
    found.push({ start: index, end: end + close.length, text: source.slice(index, end + close.length) });
    index = source.indexOf('{{', end + close.length);
  }
  return found;
}

/** A template body with its partials inlined, and where each of its lines came from. */
export interface ExpandedSource {
  source: string;
  /** `origins[n]` is the origin of line n + 1. */
  origins: Origin[];
}

const PARTIAL = /^\{\{~?>\s*([A-Za-z0-9_-]+)\s*~?\}\}$/;

/**
 * Inlines `{{> name}}` from the shared partials (the locale's variant when there is one), so the
 * MJML compiler sees one document. Rejects what would let webhook data through unescaped.
 */
export function expandPartials(input: {
  file: TemplateFile;
  partials: Map<string, TemplateFile>;
  locale: string;
}): ExpandedSource {
  let source = '';
  const origins: Origin[] = [{ file: input.file.path, line: 1 }];

  function expand(file: TemplateFile, stack: string[]): void {
    checkSyntax(file);
    let line = 1;
    let cursor = 0;
    const emit = (text: string) => {
      for (const char of text) {
        if (char === '\n') origins.push({ file: file.path, line: ++line });
      }
      source += text;
    };
    for (const statement of scanStatements(file.content)) {
      emit(file.content.slice(cursor, statement.start));
      cursor = statement.end;
      const name = PARTIAL.exec(statement.text)?.[1];
      if (!name) {
        emit(statement.text);
        continue;
      }
      const partial = pickFile(input.partials, { base: name, ext: 'mjml', locale: input.locale });
      const where = at({ file: file.path, line });
      if (!partial) throw new TemplateError(`${where}: no partial "${name}" (add _partials/${name}.mjml)`);
      if (stack.includes(partial.path)) throw new TemplateError(`${where}: partial "${name}" includes itself`);
      expand(partial, [...stack, partial.path]);
    }
    emit(file.content.slice(cursor));
  }

  expand(input.file, [input.file.path]);
  return { source, origins };
}

/** Parses one file on its own, so a syntax error names that file, and refuses unescaped output. */
export function checkSyntax(file: TemplateFile): void {
  try {
    Handlebars.parseWithoutProcessing(file.content);
  } catch (error) {
    const { line, text } = describeParseError((error as Error).message);
    throw new TemplateError(`${line ? at({ file: file.path, line }) : displayPath(file.path)}: ${text}`);
  }
  for (const statement of scanStatements(file.content)) {
    if (/^\{\{\{|^\{\{~?&/.test(statement.text)) {
      const line = file.content.slice(0, statement.start).split('\n').length;
      throw new TemplateError(
        `${at({ file: file.path, line })}: ${statement.text} is not escaped; use {{…}} (two braces) so shop data stays text`,
      );
    }
    if (/^\{\{~?>/.test(statement.text) && !PARTIAL.test(statement.text)) {
      const line = file.content.slice(0, statement.start).split('\n').length;
      throw new TemplateError(`${at({ file: file.path, line })}: partials take no arguments: ${statement.text}`);
    }
  }
}
