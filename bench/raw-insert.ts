import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { CartEvent } from '../domain/events';
import { quantile } from './chains-support';

/** db/client.ts: openPostgres({ max: 10 }); the limit is measured on as many connections as the app's pool. */
export const APP_POOL_SIZE = 10;

/** A cart.updated event the size of the shop's, as validated (zod's defaults filled in): the raw baseline's row. */
function sampleEvent(runId: string): CartEvent {
  return CartEvent.parse({
    id: `evt-${runId}-sample-0`,
    type: 'cart.updated',
    data: {
      id: `${runId}-sample-0`,
      currency: 'EUR',
      items: [{ sku: 'TEE-BLK-M', name: 'Organic cotton T-shirt', quantity: 2, unitPrice: '19.90' }],
      total: '39.80',
      recoveryUrl: 'https://shop.example.com/cart/recover?token=t0k3n',
      customer: { email: `b-0-${runId}@bench.example.com`, marketingConsent: true },
      updatedAt: new Date().toISOString(),
    },
  });
}

/**
 * The physical limit the intake benches compare with: single-row INSERT + COMMIT of an event-sized
 * JSONB row (autocommit), on the app's pool size of connections, as fast as they go, for `durationMs`.
 */
export async function rawInsertRate(url: string, durationMs: number) {
  const sql = postgres(url, { max: APP_POOL_SIZE, onnotice: () => {} });
  await sql`create table if not exists bench_raw (id bigserial primary key, event_id text not null unique, payload jsonb not null)`;
  const runId = Date.now().toString(36);
  const payload = sampleEvent(runId);
  const latencies: number[] = [];
  let n = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: APP_POOL_SIZE }, async () => {
      while (performance.now() - t0 < durationMs) {
        const sent = performance.now();
        await sql`insert into bench_raw (event_id, payload) values (${`raw-${runId}-${n++}`}, ${sql.json(payload as never)})`;
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await sql.end();
  return {
    perSecond: latencies.length / seconds,
    rows: latencies.length,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
  };
}
