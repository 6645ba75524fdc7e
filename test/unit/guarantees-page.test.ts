import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkGuarantees, guaranteesIn } from '../helpers/guarantee-proofs';

// docs/guarantees.md promises what cartflow guarantees and names the test that proves each: a
// renamed or deleted test must fail here, not leave the page pointing at nothing.
const root = path.resolve(import.meta.dirname, '../..');
const page = 'docs/guarantees.md';
const markdown = readFileSync(path.join(root, page), 'utf8');

describe('docs/guarantees.md', () => {
  it('links an existing test file for every guarantee, and each quoted test name is in that file', () => {
    expect(checkGuarantees(page, markdown, root)).toEqual([]);
  });

  it('is read as the page means it: every guarantee, each with its proofs', () => {
    const guarantees = guaranteesIn(markdown);
    expect(guarantees.length).toBeGreaterThanOrEqual(14);
    const scaleOut = guarantees.find(({ title }) => title.startsWith('Several workers and HTTP servers'));
    expect(scaleOut?.proofs.map(({ file }) => file)).toContain('test/e2e/scale-out.test.ts');
    // A quote inside a name is written \" on the page.
    const names = guarantees.flatMap(({ proofs }) => proofs.flatMap((proof) => proof.names));
    expect(names).toContain('/readyz: 503 "draining" once the process is shutting down, before asking anything');
  });

  it('reports a guarantee without a proof, a missing file, a wrong link text and a name not in the file', () => {
    const broken = [
      '# Guarantees',
      '### Proven by nothing',
      'Prose only.',
      '### Proven by ghosts',
      '- [test/e2e/no-such.test.ts](../test/e2e/no-such.test.ts): "anything"',
      '- [test/e2e/other.test.ts](../test/e2e/scale-out.test.ts): "no test is called this"',
      '- [test/e2e/scale-out.test.ts](../test/e2e/scale-out.test.ts) with no name',
      '## Not yet proven',
      '### Below here nothing needs a proof',
    ].join('\n');
    expect(checkGuarantees('PAGE.md', broken, root)).toEqual([
      'PAGE.md:2: "Proven by nothing" links no test that proves it',
      'PAGE.md:5: test/e2e/no-such.test.ts is not a test file of the repository',
      'PAGE.md:6: the link text test/e2e/other.test.ts should be the path it links to, test/e2e/scale-out.test.ts',
      'PAGE.md:6: test/e2e/scale-out.test.ts has no test named "no test is called this"',
      'PAGE.md:7: test/e2e/scale-out.test.ts is linked without the name of a test in quotes',
    ]);
  });
});
