import path from 'node:path';

/** A template that cannot render: names the file, line and problem so a marketer can fix it. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** Where a piece of template text came from. */
export interface Origin {
  file: string;
  line: number;
  column?: number;
}

/** Paths in messages are relative to the working directory when they are inside it. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

export function at(origin: Origin & { statement?: string }): string {
  const column = origin.column === undefined ? '' : `:${origin.column}`;
  return `${displayPath(origin.file)}:${origin.line}${column}`;
}

/** Handlebars ends runtime errors with ` - line:column` (columns from 0). */
export function handlebarsPosition(message: string): { line: number; column: number; text: string } | undefined {
  const match = /^([\s\S]*?) - (\d+):(\d+)$/.exec(message);
  if (!match) return undefined;
  return { text: match[1] ?? message, line: Number(match[2]), column: Number(match[3]) };
}

/**
 * `"nickname" not defined in [object Object]` → `missing variable "nickname"`; Handlebars' words
 * for a call to a helper that does not exist → `unknown helper "upper"`.
 */
export function describeRuntimeError(text: string): string {
  const variable = /^"([^"]+)" not defined/.exec(text)?.[1];
  if (variable) return `missing variable "${variable}"`;
  const helper = /^You specified knownHelpersOnly, but used the unknown helper (\S+)/.exec(text)?.[1];
  return helper ? `unknown helper "${helper}" (templates/README.md lists the helpers)` : text;
}

/** Handlebars syntax errors read `Parse error on line 3:\n…\nExpecting …, got …`. */
export function describeParseError(message: string): { line?: number; text: string } {
  const line = /line (\d+)/.exec(message)?.[1];
  const last = message.trim().split('\n').at(-1) ?? message;
  return { line: line ? Number(line) : undefined, text: `Handlebars syntax error: ${last}` };
}
