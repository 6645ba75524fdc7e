import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../metrics/registry';
import { createServerMetrics } from '../../metrics/server-metrics';
import { createWorkerMetrics } from '../../metrics/worker-metrics';
import { type TestDatabase, createTestDatabase } from '../helpers/database';

// docs/grafana/cartflow.json must chart what cartflow exports: every cartflow_* series it queries
// exists, and every SQL panel runs on a migrated database (Grafana's macros filled in as Grafana would).
interface Target {
  expr?: string;
  rawSql?: string;
}
interface Panel {
  title: string;
  type: string;
  targets?: Target[];
}

let dashboard: { panels: Panel[]; templating: { list: Array<{ name: string; query: string }> } };
let database: TestDatabase;

beforeAll(async () => {
  dashboard = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../docs/grafana/cartflow.json'), 'utf8'));
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

const targets = () => dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));

describe('the Grafana dashboard', () => {
  it('queries only cartflow_* series that the server and worker register', async () => {
    const registry = createMetricsRegistry();
    createServerMetrics(registry);
    createWorkerMetrics(registry);
    const exported = new Set((await registry.getMetricsAsJSON()).map((metric) => metric.name));
    const queried = targets().flatMap(({ target }) =>
      [...(target.expr ?? '').matchAll(/\bcartflow_\w+/g)].map((m) => m[0]),
    );
    expect(queried.length).toBeGreaterThan(10);
    for (const name of queried) {
      expect(exported, name).toContain(name.replace(/_(bucket|count|sum)$/, ''));
    }
  });

  it('runs every SQL panel and the campaign variable on the analytics views', async () => {
    const fill = (sql: string) =>
      sql
        .replaceAll('$__timeFilter(day)', `day BETWEEN '2026-01-01' AND '2026-12-31'`)
        .replaceAll('$campaign', `'consumer'`);
    const queries = [
      ...targets().flatMap(({ target }) => (target.rawSql ? [target.rawSql] : [])),
      ...dashboard.templating.list.filter((variable) => variable.name === 'campaign').map((variable) => variable.query),
    ];
    expect(queries.length).toBeGreaterThanOrEqual(4);
    for (const sql of queries) await expect(database.sql.unsafe(fill(sql)), sql).resolves.toBeDefined();
  });
});
