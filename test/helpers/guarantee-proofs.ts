import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The proofs docs/guarantees.md cites, read from its markdown, and what is wrong with them. Each
 * guarantee is a `###` section with "Proved by" bullets of the form
 *
 *   - [test/e2e/x.test.ts](../test/e2e/x.test.ts): "test name"; "another test name" — a note
 *
 * A quoted name is a test's name as written in that file (a part of it for `it.each` names with
 * `%s`); `\"` stands for a quote inside a name. Each problem is one line naming the line of the
 * page and what is wrong, so a failing test says what to fix.
 */

export interface Proof {
  line: number;
  /** Repository-relative path of the test file. */
  file: string;
  /** What the reader sees of the link: it must be that path. */
  linkText: string;
  names: string[];
}

export interface Guarantee {
  line: number;
  title: string;
  proofs: Proof[];
}

/** Sections after this heading list what has no proof yet, so they need none. */
const UNPROVEN_HEADING = /^##\s+Not yet proven\s*$/;
const PROOF_BULLET = /^- \[([^\]]+)\]\(([^)\s]+)\)(.*)$/;
const QUOTED = /"((?:[^"\\]|\\.)*)"/g;

/** Every `###` guarantee above "Not yet proven", with the test-file bullets under it. */
export function guaranteesIn(markdown: string): Guarantee[] {
  const guarantees: Guarantee[] = [];
  const lines = markdown.split('\n');
  for (const [index, line] of lines.entries()) {
    if (UNPROVEN_HEADING.test(line)) break;
    const heading = /^###\s+(.+?)\s*$/.exec(line);
    if (heading) {
      guarantees.push({ line: index + 1, title: heading[1] as string, proofs: [] });
      continue;
    }
    const bullet = PROOF_BULLET.exec(line);
    const current = guarantees.at(-1);
    if (!bullet || !current) continue;
    const [, text, target, rest] = bullet as unknown as [string, string, string, string];
    if (!target.startsWith('../test/')) continue;
    current.proofs.push({
      line: index + 1,
      file: target.slice('../'.length),
      linkText: text,
      names: [...rest.matchAll(QUOTED)].map((match) => (match[1] as string).replace(/\\(.)/g, '$1')),
    });
  }
  return guarantees;
}

/** Every problem with the page's proofs; `root` is the repository, `page` the file's name for messages. */
export function checkGuarantees(page: string, markdown: string, root: string): string[] {
  const problems: string[] = [];
  const guarantees = guaranteesIn(markdown);
  if (guarantees.length === 0) problems.push(`${page}: no guarantee (### heading) found`);
  for (const guarantee of guarantees) {
    if (guarantee.proofs.length === 0)
      problems.push(`${page}:${guarantee.line}: "${guarantee.title}" links no test that proves it`);
    for (const proof of guarantee.proofs) {
      const where = `${page}:${proof.line}`;
      const absolute = path.join(root, proof.file);
      if (!/\.test\.ts$/.test(proof.file) || !existsSync(absolute)) {
        problems.push(`${where}: ${proof.file} is not a test file of the repository`);
        continue;
      }
      if (proof.linkText !== proof.file)
        problems.push(`${where}: the link text ${proof.linkText} should be the path it links to, ${proof.file}`);
      const source = readFileSync(absolute, 'utf8');
      if (proof.names.length === 0)
        problems.push(`${where}: ${proof.file} is linked without the name of a test in quotes`);
      for (const name of proof.names) {
        if (!source.includes(name)) problems.push(`${where}: ${proof.file} has no test named "${name}"`);
      }
    }
  }
  return problems;
}
