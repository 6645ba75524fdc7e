import { performance } from 'node:perf_hooks';
import { storeCartEvent } from '../db/cart-store';
import type { Db } from '../db/client';
import { insertOpen } from '../db/tracking-store';
import { CartEvent } from '../domain/events';
import type postgres from 'postgres';
import { shopId } from './report-seed';

// The write side of bench/report.ts: what the trigger-kept counters cost per write. The same
// writes run through the server's own store functions on two connections, one with the triggers
// on (`db`) and one with `session_replication_role = replica` (`untriggered`), alternating in blocks.
// The two sides touch disjoint messages and customers, so a triggered recount never counts an
// untriggered row; the untriggered rows are deleted afterwards and the counters stay exact.

export interface WriteTimings {
  on: number[];
  off: number[];
}

interface Sides {
  db: Db;
  untriggered: Db;
  sql: postgres.Sql;
  blocks: number;
}

/** `count` human opens, one autocommitted INSERT each (`insertOpen`, as the tracking pixel does). */
export async function timeTrackingInserts(sides: Sides, count: number): Promise<WriteTimings> {
  const targets = await sides.sql<Array<{ id: string }>>`
    select id from messages where status = 'sent' order by key limit ${2 * Math.min(count, 5000)}`;
  const timings: WriteTimings = { on: [], off: [] };
  const perBlock = Math.ceil(count / sides.blocks);
  for (let block = 0; block < 2 * sides.blocks; block++) {
    const on = block % 2 === 0;
    for (let index = 0; index < perBlock; index++) {
      const target = targets[2 * ((Math.floor(block / 2) * perBlock + index) % (targets.length / 2)) + (on ? 0 : 1)]!;
      const start = performance.now();
      await insertOpen(on ? sides.db : sides.untriggered, {
        shopId,
        messageId: target.id,
        type: 'open',
        linkIndex: null,
        occurredAt: new Date(),
        userAgent: on ? 'bench-on' : 'bench-off',
        ipPrefix: '198.51.100.0/24',
        machine: false,
        machineReason: null,
      });
      (on ? timings.on : timings.off).push(performance.now() - start);
    }
  }
  return timings;
}

/**
 * `count` `order.placed` webhooks stored by `storeCartEvent` (event row, customer upsert, cart,
 * last-touch attribution, order): each for a customer with a chain, a day into the chain's window.
 */
export async function timeOrderWebhooks(sides: Sides, count: number): Promise<WriteTimings> {
  const chains = await sides.sql<
    Array<{ customer_id: string; cart_id: string; started_at: Date; currency: string; odd: boolean }>
  >`
    select distinct on (customer_id) customer_id, cart_id, started_at, currency, customer_id % 2 = 1 as odd
    from chains where customer_id is not null order by customer_id, workflow_id`;
  const even = chains.filter((chain) => !chain.odd);
  const odd = chains.filter((chain) => chain.odd);
  const timings: WriteTimings = { on: [], off: [] };
  const perBlock = Math.ceil(count / sides.blocks);
  for (let block = 0; block < 2 * sides.blocks; block++) {
    const on = block % 2 === 0;
    const pool = on ? even : odd;
    for (let index = 0; index < perBlock; index++) {
      const n = Math.floor(block / 2) * perBlock + index;
      const chain = pool[n % pool.length]!;
      const id = `bench-${on ? 'on' : 'off'}-${n}`;
      const event = CartEvent.parse({
        id: `evt-${id}`,
        type: 'order.placed',
        data: {
          cartId: chain.cart_id,
          orderId: id,
          total: '52.30',
          currency: chain.currency,
          placedAt: new Date(chain.started_at.getTime() + 24 * 3600_000).toISOString(),
          customer: { email: `customer-${chain.customer_id}@example.test`, marketingConsent: true },
        },
      });
      const start = performance.now();
      await storeCartEvent(on ? sides.db : sides.untriggered, { shopId, event, payload: event });
      (on ? timings.on : timings.off).push(performance.now() - start);
    }
  }
  return timings;
}

/** Removes the rows written with the triggers off, with the triggers off: no counter ever saw them. */
export async function removeUntriggeredRows(sql: postgres.Sql): Promise<void> {
  await sql`set session_replication_role = replica`;
  await sql`delete from tracking_events where user_agent = 'bench-off'`;
  await sql`delete from orders where order_id like 'bench-off-%'`;
  await sql`reset session_replication_role`;
}
