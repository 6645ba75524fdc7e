import type { Origin } from './template-errors';
import { type ExpandedSource, scanStatements } from './template-expand';

/** A Handlebars statement taken out of the MJML before compiling, and where it was written. */
export interface ProtectedStatement {
  text: string;
  origin: Origin;
}

export interface ProtectedMjml {
  /** The MJML with every statement replaced by a token; line numbers are unchanged. */
  mjml: string;
  statements: ProtectedStatement[];
}

/** Tokens are plain letters and digits: MJML, CSS inlining and html-to-text leave them alone. */
export const TOKEN = /hbstoken(\d+)x/gi;
const token = (index: number) => `hbstoken${index}x`;

/** Elements whose content MJML copies as HTML: statements inside them stay where they are. */
const ENDING_TAGS = new Set([
  'mj-text',
  'mj-button',
  'mj-raw',
  'mj-table',
  'mj-title',
  'mj-preview',
  'mj-style',
  'mj-navbar-link',
  'mj-accordion-title',
  'mj-accordion-text',
  'mj-social-element',
]);

/**
 * Makes natural Handlebars survive one MJML compile. Statements become tokens; a token standing
 * between MJML elements (a `{{#each}}` around sections, an `{{#if}}` around an image) is wrapped
 * in `<mj-raw>`, which MJML copies through in place. Comments are dropped: they render nothing.
 */
export function protectStatements(expanded: ExpandedSource): ProtectedMjml {
  const { source, origins } = expanded;
  const statements: ProtectedStatement[] = [];
  let tokenized = '';
  let cursor = 0;
  for (const statement of scanStatements(source)) {
    tokenized += source.slice(cursor, statement.start);
    cursor = statement.end;
    const newlines = statement.text.split('\n').length - 1;
    if (statement.text.startsWith('{{!')) {
      tokenized += '\n'.repeat(newlines);
      continue;
    }
    const before = source.slice(0, statement.start);
    const lineIndex = before.split('\n').length - 1;
    const column = statement.start - before.lastIndexOf('\n');
    const lineOrigin = origins[lineIndex] ?? origins[0]!;
    statements.push({ text: statement.text, origin: { ...lineOrigin, column } });
    tokenized += token(statements.length - 1) + '\n'.repeat(newlines);
  }
  tokenized += source.slice(cursor);
  return { mjml: wrapStructuralTokens(tokenized), statements };
}

function wrapStructuralTokens(mjml: string): string {
  const parts = /<!--[\s\S]*?-->|<\/?([a-zA-Z][\w-]*)\b[^>]*>|hbstoken\d+x/g;
  let rawUntil: string | undefined;
  return mjml.replace(parts, (match, tag: string | undefined) => {
    if (tag) {
      const name = tag.toLowerCase();
      const closing = match.startsWith('</');
      if (rawUntil) {
        if (closing && name === rawUntil) rawUntil = undefined;
      } else if (!closing && !match.endsWith('/>') && ENDING_TAGS.has(name)) {
        rawUntil = name;
      }
      return match;
    }
    if (match.startsWith('<!--') || rawUntil) return match;
    return `<mj-raw>${match}</mj-raw>`;
  });
}

/** A restored statement's place in the compiled HTML, to point a runtime error back at its source. */
export interface RestoredSpan {
  start: number;
  end: number;
  statement: ProtectedStatement;
}

export interface RestoredSource {
  source: string;
  spans: RestoredSpan[];
  /** Statements the MJML compile dropped (inside an attribute MJML does not copy, say). */
  lost: ProtectedStatement[];
}

/** Puts the statements back into compiled HTML (or text made from it). */
export function restoreStatements(compiled: string, statements: ProtectedStatement[]): RestoredSource {
  const spans: RestoredSpan[] = [];
  const seen = new Set<number>();
  let source = '';
  let cursor = 0;
  for (const match of compiled.matchAll(TOKEN)) {
    const index = Number(match[1]);
    const statement = statements[index];
    if (!statement) continue;
    seen.add(index);
    source += compiled.slice(cursor, match.index);
    spans.push({ start: source.length, end: source.length + statement.text.length, statement });
    source += statement.text;
    cursor = match.index + match[0].length;
  }
  source += compiled.slice(cursor);
  return { source, spans, lost: statements.filter((_, index) => !seen.has(index)) };
}

/** The statement at (or just before) a Handlebars error position in restored source. */
export function statementAt(
  restored: RestoredSource,
  position: { line: number; column: number },
): RestoredSpan | undefined {
  const lines = restored.source.split('\n');
  const offset = lines.slice(0, position.line - 1).reduce((sum, line) => sum + line.length + 1, 0) + position.column;
  let found: RestoredSpan | undefined;
  for (const span of restored.spans) {
    if (span.start > offset) break;
    found = span;
  }
  return found;
}
