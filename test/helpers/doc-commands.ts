import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What the documentation names, read from its markdown: the npm scripts and repository paths in
 * shell blocks and inline code, the `cartflow` CLI commands, and the relative links. Each problem
 * is one line naming the file, the line and what is wrong, so a failing test says what to fix.
 */

/** Code fences whose content is shell a reader types (output samples use plain fences). */
const SHELL_FENCES = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);
/** npm's own commands that need no script. */
const NPM_BUILTINS = new Set(['ci', 'install', 'i', 'exec', 'test', 'start']);
/** Folders created at run time, not in the repository: a path into them is not checked. */
const GENERATED_ROOTS = new Set(['.data', 'outbox', '.cache', 'node_modules', 'dist']);

export interface DocCheckContext {
  root: string;
  scripts: Record<string, string>;
  /**
   * The `cartflow` CLI's commands (`npx cartflow <command>`), once the CLI exists. `undefined`
   * until then: CLI commands in the docs are listed but not checked. Fill it from the CLI's own
   * command list (e.g. commander's `program.commands`) when it lands.
   */
  cliCommands?: ReadonlySet<string>;
}

interface Snippet {
  line: number;
  text: string;
  kind: 'shell' | 'inline';
}

/** Shell fences and inline code spans, with the line each starts on. */
export function codeSnippets(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split('\n');
  let fence: { lang: string; start: number; body: string[] } | undefined;
  lines.forEach((line, index) => {
    const opener = /^\s*(```|~~~)\s*([\w-]*)/.exec(line);
    if (fence) {
      if (opener && opener[2] === '') {
        if (SHELL_FENCES.has(fence.lang))
          snippets.push({ line: fence.start, text: fence.body.join('\n'), kind: 'shell' });
        fence = undefined;
      } else fence.body.push(line);
      return;
    }
    if (opener) {
      fence = { lang: (opener[2] ?? '').toLowerCase(), start: index + 1, body: [] };
      return;
    }
    for (const match of line.matchAll(/(`+)(.+?)\1/g))
      snippets.push({ line: index + 1, text: match[2] ?? '', kind: 'inline' });
  });
  return snippets;
}

/** `npm run X`, `npm X` (builtins), `npx cartflow X` and `npm run cartflow -- X` in a snippet. */
export function commandsIn(text: string): { scripts: string[]; cli: string[] } {
  const scripts: string[] = [];
  const cli: string[] = [];
  for (const match of text.matchAll(/\bnpm\s+run(?:-script)?\s+([\w:.-]+)(?:\s+--\s+([\w:-]+))?/g)) {
    if (match[1] === 'cartflow' && match[2]) cli.push(match[2]);
    scripts.push(match[1] as string);
  }
  for (const match of text.matchAll(/\bnpm\s+(test|start|t)\b/g))
    scripts.push(match[1] === 't' ? 'test' : (match[1] as string));
  // `npx cartflow --help` names an option, not a command.
  for (const match of text.matchAll(/\bnpx\s+cartflow\s+(\w[\w:-]*)/g)) cli.push(match[1] as string);
  return { scripts, cli };
}

/** Repository-relative paths in a shell snippet (`examples/cart-updated.json`, `scripts/x.sh`). */
export function pathsIn(text: string, root: string): string[] {
  return text
    .split(/[\s'"=<>|;()]+/)
    .filter((token) => /^[\w.-]+\/[\w./-]*$/.test(token) && !token.includes('..'))
    .filter((token) => {
      const first = token.split('/')[0] as string;
      return !GENERATED_ROOTS.has(first) && existsSync(path.join(root, first));
    });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const heading = !inFence && /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = (heading[1] as string).replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** `[text](target)` links outside code, with their line. */
export function linksIn(markdown: string): Array<{ line: number; target: string }> {
  const links: Array<{ line: number; target: string }> = [];
  let inFence = false;
  markdown.split('\n').forEach((line, index) => {
    if (/^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      return;
    }
    if (inFence) return;
    const prose = line.replace(/(`+).+?\1/g, '');
    for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g))
      links.push({ line: index + 1, target: match[1] as string });
  });
  return links;
}

/** Every problem in one markdown file (`file` relative to the root). */
export function checkMarkdown(file: string, markdown: string, context: DocCheckContext): string[] {
  const problems: string[] = [];
  for (const snippet of codeSnippets(markdown)) {
    const { scripts, cli } = commandsIn(snippet.text);
    for (const script of scripts) {
      if (NPM_BUILTINS.has(script) && !['test', 'start'].includes(script)) continue;
      if (!(script in context.scripts))
        problems.push(`${file}:${snippet.line}: npm script "${script}" is not in package.json`);
    }
    if (context.cliCommands) {
      for (const command of cli) {
        if (!context.cliCommands.has(command))
          problems.push(`${file}:${snippet.line}: cartflow has no command "${command}"`);
      }
    }
    if (snippet.kind !== 'shell') continue;
    for (const named of pathsIn(snippet.text, context.root)) {
      if (!existsSync(path.join(context.root, named)))
        problems.push(`${file}:${snippet.line}: no file or folder ${named}`);
    }
  }
  for (const { line, target } of linksIn(markdown)) {
    if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const [targetPath, anchor] = target.split('#') as [string, string | undefined];
    const resolved = targetPath === '' ? file : path.join(path.dirname(file), decodeURIComponent(targetPath));
    const absolute = path.join(context.root, resolved);
    if (targetPath !== '' && !existsSync(absolute)) {
      problems.push(`${file}:${line}: link to ${target}: no such file (${resolved})`);
      continue;
    }
    if (anchor && resolved.endsWith('.md')) {
      const text = resolved === file ? markdown : readFileSync(absolute, 'utf8');
      if (!headingAnchors(text).has(anchor)) problems.push(`${file}:${line}: link to ${target}: no heading #${anchor}`);
    }
  }
  return problems;
}
