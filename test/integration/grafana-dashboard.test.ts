import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../metrics/registry';
import { createServerMetrics } from '../../metrics/server-metrics';
import { createWorkerMetrics } from '../../metrics/worker-metrics';
import { type TestDatabase, createTestDatabase } from '../helpers/database';
import { seedReportData } from '../helpers/report-seed';

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

const fill = (sql: string) =>
  sql
    .replaceAll('$__timeFilter(day)', `day BETWEEN '2026-01-01' AND '2026-12-31'`)
    .replaceAll('$campaign', `'consumer'`);

const panelSql = (title: string) => {
  const sql = dashboard.panels.find((panel) => panel.title === title)?.targets?.[0]?.rawSql;
  if (!sql) throw new Error(`no SQL panel titled "${title}" in docs/grafana/cartflow.json`);
  return fill(sql);
};

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

  it('charts the latency of chain steps, which the worker runs as local activities', () => {
    // The SDK reports a local activity under temporal_local_activity_*, never temporal_activity_*
    // (checked on a worker's TEMPORAL_METRICS_PORT after a chain): a panel on the latter alone stays empty.
    const panel = dashboard.panels.find((candidate) => candidate.title === 'Activity execution latency p95 (SDK)');
    const exprs = (panel?.targets ?? []).map((target) => target.expr ?? '');
    expect(exprs.some((expr) => expr.includes('temporal_local_activity_execution_latency_seconds_bucket'))).toBe(true);
  });

  it('runs every SQL panel and the campaign variable on the analytics views', async () => {
    const queries = [
      ...targets().flatMap(({ target }) => (target.rawSql ? [target.rawSql] : [])),
      ...dashboard.templating.list.filter((variable) => variable.name === 'campaign').map((variable) => variable.query),
    ];
    expect(queries.length).toBeGreaterThanOrEqual(4);
    for (const sql of queries) await expect(database.sql.unsafe(fill(sql)), sql).resolves.toBeDefined();
  });

  it('charts the unconfirmed emails of a day beside its sent ones, per step', async () => {
    await seedReportData(database.sql, 'shop-grafana');
    const rows = await database.sql.unsafe<Array<{ time: Date; metric: string; value: string }>>(
      panelSql('Emails per day by campaign and step: sent and unconfirmed'),
    );
    const series = (metric: string) =>
      rows
        .filter((row) => row.metric === metric)
        .map((row) => [row.time.toISOString().slice(0, 10), Number(row.value)]);
    expect(series('consumer / incentive unconfirmed')).toEqual([
      ['2026-03-02', 0],
      ['2026-03-03', 7],
      ['2026-03-04', 0],
    ]);
    expect(series('consumer / incentive sent').map(([, value]) => value)).toEqual([33, 33, 34]);
  });
});
