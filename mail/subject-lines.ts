import type { TemplateFile } from './template-source';

/**
 * The subject lines of a `subject.hbs`: its non-blank lines, one per A/B variant, with their line
 * numbers in the file. The renderer picks among them; campaign checks count them.
 */
export function subjectLinesOf(file: TemplateFile): Array<{ source: string; line: number }> {
  return file.content.split('\n').flatMap((source, index) => (source.trim() ? [{ source, line: index + 1 }] : []));
}
