import { rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type ICruiseOptions, type IViolation, cruise } from 'dependency-cruiser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer rules `npm run lint` enforces (.dependency-cruiser.cjs), tried on deliberately wrong
 * files: a check that reports nothing for them would let the layers drift unnoticed.
 */

const root = path.resolve(import.meta.dirname, '../..');
const config = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as {
  forbidden: NonNullable<ICruiseOptions['ruleSet']>['forbidden'];
  options: ICruiseOptions;
};

// Throw-away modules in the source tree (the rules are about folders), cruised together once.
const probes = {
  wrongWorkflow: [
    `workflows/layer-check-wrong-${process.pid}.ts`,
    "import { readFileSync } from 'node:fs';",
    "import { createActivities } from '../activities';",
    'export const wrong = [readFileSync, createActivities];',
  ],
  rightWorkflow: [
    `workflows/layer-check-right-${process.pid}.ts`,
    "import type { Activities } from '../activities';",
    "import { stepDelay } from '../domain/experiments';",
    'export type Allowed = Activities;',
    'export const allowed = stepDelay;',
  ],
  upwardDb: [
    `db/layer-check-${process.pid}.ts`,
    "import { openServices } from '../app/services';",
    'export const wrong = openServices;',
  ],
  impureDomain: [`domain/layer-check-${process.pid}.ts`, "import { pino } from 'pino';", 'export const wrong = pino;'],
} as const;

let violations: Array<{ rule: string; from: string; to: string }> = [];
const of = (probe: keyof typeof probes) => violations.filter(({ from }) => from === probes[probe][0]);

beforeAll(async () => {
  await Promise.all(
    Object.values(probes).map(([file, ...lines]) => writeFile(path.join(root, file), `${lines.join('\n')}\n`)),
  );
  const { output } = await cruise(
    Object.values(probes).map(([file]) => file),
    { ...config.options, baseDir: root, ruleSet: { forbidden: config.forbidden }, validate: true },
  );
  if (typeof output === 'string') throw new Error('expected a cruise result, got a report');
  violations = output.summary.violations.map((violation: IViolation) => ({
    rule: violation.rule.name,
    from: violation.from,
    to: violation.to,
  }));
}, 60_000);

afterAll(async () => {
  await Promise.all(Object.values(probes).map(([file]) => rm(path.join(root, file), { force: true })));
});

describe('layer rules (.dependency-cruiser.cjs)', () => {
  it('reports a Node built-in and an activity imported by value in workflow code', () => {
    expect(of('wrongWorkflow').map(({ rule, to }) => ({ rule, to }))).toEqual(
      expect.arrayContaining([
        { rule: 'workflows-deterministic', to: 'fs' },
        { rule: 'workflows-deterministic', to: 'activities/index.ts' },
      ]),
    );
  });

  it('lets workflow code import activities by type and use pure domain code', () => {
    expect(of('rightWorkflow')).toEqual([]);
  });

  it('reports upward imports from db/ and a side effect in domain/', () => {
    expect(of('upwardDb').map(({ rule }) => rule)).toContain('db-not-upward');
    expect(of('impureDomain').map(({ rule }) => rule)).toEqual(['domain-pure']);
  });
});
