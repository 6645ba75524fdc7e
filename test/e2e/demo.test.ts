import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type TestDatabase, createTestDatabase } from '../helpers/database';
import { inheritedEnv } from '../helpers/test-env';

// `npm run demo` as a newcomer runs it (200 customers, 72 campaign hours in a minute): the real HTTP
// server, worker and SMTP sink of the demo process, on the test run's Temporal dev server and a fresh
// PostgreSQL database (given to it by flag, as a user could). Not smaller nor faster: on a slow
// machine under the suite's load, a shop of 80 at double speed saw its emails so late that no order
// was attributed to one (every buyer had bought first), and the report had nothing to judge.
const root = path.resolve(import.meta.dirname, '../..');
let database: TestDatabase;
let dir: string;
let run: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-demo-'));
  run = await demo([
    '--seed',
    '3',
    '--exit',
    '--dir',
    dir,
    '--temporal-address',
    inject('temporalAddress'),
    '--database-url',
    database.url,
  ]);
}, 420_000);

afterAll(async () => {
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm run demo', () => {
  it('ends with the campaign report: sends, human opens, attributed orders and experiment verdicts', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const funnel = funnelTotals(run.stdout);
    expect(funnel.SENT).toBeGreaterThan(0);
    expect(funnel['HUMAN OPENS']).toBeGreaterThan(0);
    expect(funnel.ORDERS).toBeGreaterThan(0);
    expect(run.stdout).toContain('Experiment: variants of step incentive');
    expect(run.stdout).toContain('Experiment: holdout');
    expect(run.stdout).toMatch(/^ {2}verdict: \S.+$/m);
  });

  it('tells machine opens and scanner clicks from people, as the simulation made them', async () => {
    const [tracking] = await database.sql<{ machine: number; human: number }[]>`
      select count(*) filter (where machine)::int as machine, count(*) filter (where not machine)::int as human
      from tracking_events`;
    expect(tracking?.machine).toBeGreaterThan(0);
    expect(tracking?.human).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/opens: \d+ by people, [1-9]\d* by Apple Mail's privacy proxy/);
  });

  it("leaves every email in the run folder's outbox, and says where", async () => {
    const [runDir] = (await readdir(dir)).filter((name) => name.startsWith('run-'));
    const outbox = path.join(dir, runDir ?? 'missing', 'outbox');
    const emails = (await readdir(outbox)).filter((name) => name.endsWith('.eml'));
    expect(emails.length).toBeGreaterThanOrEqual(funnelTotals(run.stdout).SENT);
    expect(run.stdout).toContain(`${outbox}/`);
    const texts = await Promise.all(emails.slice(0, 40).map((name) => readFile(path.join(outbox, name), 'utf8')));
    // Russian customers get Russian emails (subjects are RFC 2047-encoded UTF-8).
    expect(texts.some((text) => /^Subject: =\?UTF-8\?/im.test(text))).toBe(true);
  });
});

function demo(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(root, 'node_modules/.bin/tsx'),
      ['cli/demo.ts', ...args],
      { cwd: root, env: { ...inheritedEnv(), LOG_LEVEL: 'error' }, timeout: 410_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Sums the funnel columns of every campaign in the report table. */
function funnelTotals(report: string): Record<'SENT' | 'HUMAN OPENS' | 'ORDERS', number> {
  const totals = { SENT: 0, 'HUMAN OPENS': 0, ORDERS: 0 };
  const lines = report.split('\n');
  lines.forEach((line, index) => {
    if (!line.trimStart().startsWith('VERSION')) return;
    const header = line.trim().split(/ {2,}/);
    for (const row of lines.slice(index + 1)) {
      if (!row.trimStart().startsWith('v')) break;
      const cells = row.trim().split(/ {2,}/);
      for (const column of Object.keys(totals) as Array<keyof typeof totals>) {
        totals[column] += Number(cells[header.indexOf(column)]?.replace(/,/g, '') ?? 0);
      }
    }
  });
  return totals;
}
