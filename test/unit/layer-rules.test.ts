import { rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type ICruiseOptions, type IViolation, cruise } from 'dependency-cruiser';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The layer rules `npm run lint` enforces (.dependency-cruiser.cjs), tried on deliberately wrong
 * files: a check that reports nothing for them would let the layers drift unnoticed.
 */

const root = path.resolve(import.meta.dirname, '../..');
const config = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as {
  forbidden: NonNullable<ICruiseOptions['ruleSet']>['forbidden'];
  options: ICruiseOptions;
};
const written: string[] = [];

/** Writes a throw-away module into the source tree (the rules are about folders) and cruises it alone. */
async function violationsOf(relativePath: string, source: string): Promise<Array<{ rule: string; to: string }>> {
  const file = path.join(root, relativePath);
  written.push(file);
  await writeFile(file, source);
  const { output } = await cruise([relativePath], {
    ...config.options,
    baseDir: root,
    ruleSet: { forbidden: config.forbidden },
    validate: true,
  });
  if (typeof output === 'string') throw new Error('expected a cruise result, got a report');
  return output.summary.violations.map((violation: IViolation) => ({ rule: violation.rule.name, to: violation.to }));
}

afterEach(async () => {
  await Promise.all(written.splice(0).map((file) => rm(file, { force: true })));
});

describe('layer rules (.dependency-cruiser.cjs)', () => {
  it('reports a Node built-in and an activity imported by value in workflow code', async () => {
    const violations = await violationsOf(
      `workflows/layer-check-${process.pid}.ts`,
      [
        "import { readFileSync } from 'node:fs';",
        "import { createActivities } from '../activities';",
        'export const wrong = [readFileSync, createActivities];',
      ].join('\n'),
    );
    expect(violations).toContainEqual({ rule: 'workflows-deterministic', to: 'fs' });
    expect(violations).toContainEqual({ rule: 'workflows-deterministic', to: 'activities/index.ts' });
  }, 60_000);

  it('lets workflow code import activities by type and use pure domain code', async () => {
    const violations = await violationsOf(
      `workflows/layer-check-${process.pid}.ts`,
      [
        "import type { Activities } from '../activities';",
        "import { stepDelay } from '../domain/experiments';",
        'export type Allowed = Activities;',
        'export const allowed = stepDelay;',
      ].join('\n'),
    );
    expect(violations).toEqual([]);
  }, 60_000);

  it('reports upward imports from db/ and a side effect in domain/', async () => {
    const fromDb = await violationsOf(
      `db/layer-check-${process.pid}.ts`,
      "import { openServices } from '../app/services';\nexport const wrong = openServices;\n",
    );
    expect(fromDb.map(({ rule }) => rule)).toContain('db-not-upward');
    const fromDomain = await violationsOf(
      `domain/layer-check-${process.pid}.ts`,
      "import { pino } from 'pino';\nexport const wrong = pino;\n",
    );
    expect(fromDomain.map(({ rule }) => rule)).toEqual(['domain-pure']);
  }, 60_000);
});
