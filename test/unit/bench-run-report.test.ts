import { describe, expect, it } from 'vitest';
import {
  GENERATED_END,
  GENERATED_START,
  extractTables,
  generatedSection,
  replaceGeneratedSection,
} from '../../bench/run-report';

const output = [
  'progress line that is not a table',
  '### 3. Worker memory',
  'default cache: maxCachedWorkflows 2310',
  '| worker | RSS |',
  '|---|---:|',
  '| idle | 350 MiB |',
  '',
  '| path | emails/s |',
  '|---|---:|',
  '| pooled | 900 |',
].join('\n');

describe('npm run bench: what goes into BENCHMARKS.md', () => {
  it('keeps each table whole, with the heading it belongs to, and drops the prose', () => {
    const tables = extractTables(output);
    expect(tables).toContain('**3. Worker memory**');
    expect(tables).toContain('| idle | 350 MiB |');
    expect(tables).toContain('| pooled | 900 |');
    expect(tables).not.toContain('progress line');
    expect(tables.match(/^\|---/gm)).toHaveLength(2);
  });

  it('replaces only the generated section and leaves the hand-written method intact', () => {
    const handWritten = '# Benchmarks\n\n## Method\n\nhand-written text\n';
    const first = replaceGeneratedSection(handWritten, 'run 1');
    expect(first.startsWith(handWritten.trimEnd())).toBe(true);
    expect(first).toContain(`${GENERATED_START}\nrun 1\n${GENERATED_END}`);
    const second = replaceGeneratedSection(`${first}\n## Later section\n`, 'run 2');
    expect(second).toContain('run 2');
    expect(second).not.toContain('run 1');
    expect(second).toContain('hand-written text');
    expect(second).toContain('## Later section');
  });

  it('refuses a document with one marker rather than guess where the section ends', () => {
    expect(() => replaceGeneratedSection(`text\n${GENERATED_START}\nold`, 'new')).toThrow(/only one of the/);
  });

  it('marks a failed bench as failed in the summary', () => {
    const section = generatedSection({
      header: 'Date: today.',
      resultsLink: 'bench/results/x.md',
      outcomes: [{ name: 'smtp', command: 'npx tsx bench/smtp.ts', seconds: 3, exitCode: 1, stdout: '' }],
    });
    expect(section).toContain('FAILED (exit 1)');
    expect(section).toContain('[bench/results/x.md](bench/results/x.md)');
  });
});
