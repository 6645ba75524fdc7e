import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { type AnalysedTables, createYoungTableStatistics } from '../../db/young-table-statistics';

/** Tables that grow by every stored event; an ANALYZE records their size then (as PostgreSQL's). */
function growingTables({ failures = 0 } = {}) {
  let rows = 0;
  let analysed = 0;
  let failuresLeft = failures;
  const analysedAt: number[] = [];
  const tables: AnalysedTables = {
    analysedRows: async () => analysed,
    async analyse() {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('connection refused');
      }
      analysed = rows;
      analysedAt.push(rows);
    },
  };
  return { tables, analysedAt, grow: () => (rows += 1) };
}

function recordingLogger() {
  const warnings: string[] = [];
  const logger = { warn: (_: unknown, message: string) => warnings.push(message), debug: () => {} };
  return { logger: logger as unknown as Logger, warnings };
}

/** Stores `events` one at a time, letting each analysis the statistics start finish before the next. */
async function store(statistics: ReturnType<typeof createYoungTableStatistics>, grow: () => void, events: number) {
  for (let n = 0; n < events; n += 1) {
    grow();
    statistics.added(1);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('createYoungTableStatistics', () => {
  it('analyses after the first 500 events, then each time the table doubled, and stops once it is settled', async () => {
    const { tables, analysedAt, grow } = growingTables();
    const statistics = createYoungTableStatistics({
      name: 'the intake tables',
      tables,
      logger: recordingLogger().logger,
      settledAt: 10_000,
    });
    await store(statistics, grow, 40_000);
    expect(analysedAt).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('a failed ANALYZE warns and is tried again after the next 500 events, not on every webhook', async () => {
    const { tables, analysedAt, grow } = growingTables({ failures: 1 });
    const { logger, warnings } = recordingLogger();
    const statistics = createYoungTableStatistics({ name: 'the intake tables', tables, logger, settledAt: 10_000 });
    await store(statistics, grow, 1_500);
    expect(warnings).toEqual(['could not analyse the intake tables; trying again later, and autovacuum will']);
    expect(analysedAt).toEqual([1_000]);
  });

  it('on tables already past the settled size it never analyses', async () => {
    const { tables, analysedAt, grow } = growingTables();
    const statistics = createYoungTableStatistics({
      name: 'the intake tables',
      tables: { ...tables, analysedRows: async () => 250_000 },
      logger: recordingLogger().logger,
    });
    await store(statistics, grow, 2_000);
    expect(analysedAt).toEqual([]);
  });
});
