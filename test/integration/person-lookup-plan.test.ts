import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopOfSentMessage } from '../../db/delivery-event-store';
import { runningWorkflowIdsOf } from '../../db/person-workflow-store';
import { unsubscribeTargetOf } from '../../db/preference-store';
import { cartWorkflowId, journeyWorkflowId } from '../../domain/ids';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { genericPlansOf, sequentialScans } from '../helpers/generic-plans';

// A one-click unsubscribe, a bounce and an erasure each ask which workflows may still carry the
// address. A shop's history holds a million webhooks and carts; each of those questions must read
// the person's rows, not the history. 20,000 of each here, so a sequential scan costs more than
// an index and the planner only chooses one where no index can answer.
const shopId = 'shop-lookup';
const person = 'ivy.o’brien@example.com';
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.sql.begin(async (sql) => {
    await sql`set local session_replication_role = replica`; // no analytics triggers while loading
    await sql`
      insert into customers (id, shop_id, external_id, email)
      select n, ${shopId}, 'cust-' || n, 'someone-' || n || '@example.com' from generate_series(1, 20000) n`;
    await sql`insert into customers (id, shop_id, external_id, email) values (20001, ${shopId}, 'cust-ivy', ${person})`;
    await sql`
      insert into carts (shop_id, cart_id, customer_id, status)
      select ${shopId}, 'cart-' || n, n, case when n % 3 = 0 then 'purchased' else 'open' end
        from generate_series(1, 20000) n
      union all values (${shopId}, 'cart-ivy', 20001, 'open'), (${shopId}, 'cart-ivy-bought', 20001, 'purchased')`;
    await sql`
      insert into chains (workflow_id, shop_id, customer_id, cart_id, trigger, campaign_id, campaign_version, segment, status)
      select 'chain-' || n, ${shopId}, n, 'cart-' || n, 'cart.abandoned', 'recovery', 1, 'everyone',
             case when n % 2 = 0 then 'finished' else 'active' end
        from generate_series(1, 20000) n
      union all values ('chain-ivy', ${shopId}, 20001, 'cart-ivy-old', 'cart.abandoned', 'recovery', 1, 'everyone', 'active')`;
    await sql`
      insert into cart_events (shop_id, event_id, type, cart_id, payload)
      select ${shopId}, 'evt-' || n, (array['customer.created', 'order.placed', 'cart.updated'])[1 + n % 3], 'cart-' || n,
             jsonb_build_object('data', jsonb_build_object('orderId', 'order-' || n,
               'customer', jsonb_build_object('id', 'cust-' || n, 'email', 'Someone-' || n || '@Example.com')))
        from generate_series(1, 20000) n`;
    await sql`
      insert into messages (id, key, shop_id, cart_id, customer_id, recipient, step, template_id, template_version,
                            campaign_id, workflow_id, status, message_id_header)
      select gen_random_uuid(), 'reminder-' || n, ${shopId}, 'cart-' || n, n, 'someone-' || n || '@example.com',
             'reminder', 'cart-reminder', 'v1', 'recovery', 'chain-' || n, 'sent', '<reminder-' || n || '@cartflow>'
        from generate_series(1, 20000) n`;
    // The reminder Ivy unsubscribes from: its chain is the newest of 20,001.
    await sql`
      insert into messages (id, key, shop_id, cart_id, customer_id, recipient, step, template_id, template_version,
                            campaign_id, workflow_id, status, message_id_header)
      values ('00000000-0000-4000-8000-00000000aaaa', 'ivy-reminder', ${shopId}, 'cart-ivy-old', 20001, ${person},
              'reminder', 'cart-reminder', 'v1', 'recovery', 'chain-ivy', 'sent', '<ivy-reminder@cartflow>')`;
    // Ivy's signup as the shop wrote it (capitals), and someone else's order with a Unicode
    // domain (a spelling SQL cannot canonicalise, so it is read and ruled out in code).
    await sql`
      insert into cart_events (shop_id, event_id, type, cart_id, payload) values
        (${shopId}, 'evt-ivy-signup', 'customer.created', 'none',
         ${sql.json({ data: { customer: { id: 'cust-ivy', email: 'IVY.O’BRIEN@EXAMPLE.COM' } } })}),
        (${shopId}, 'evt-zoe-order', 'order.placed', 'cart-zoe',
         ${sql.json({ data: { orderId: 'order-zoe', customer: { email: 'zoe@bücher.example' } } })})`;
  });
  await database.sql`analyze`;
}, 120_000);
afterAll(() => database?.drop());

describe('what an unsubscribe reads, in a large history', () => {
  it('reads the person’s rows through indexes, under the plan a prepared statement keeps', async () => {
    let found = new Set<string>();
    const plans = await genericPlansOf(database.url, async (db) => {
      found = await runningWorkflowIdsOf(db, { shopId, email: person });
    });
    expect(plans.length).toBeGreaterThan(0);
    expect(sequentialScans(plans)).toEqual([]);
    expect(found).toEqual(
      new Set([
        'chain-ivy',
        cartWorkflowId({ shopId, cartId: 'cart-ivy' }),
        journeyWorkflowId({ shopId, trigger: 'customer.created', subjectId: 'cust-ivy' }),
      ]),
    );
  });

  it('finds the email a bounce names by its Message-ID through an index', async () => {
    let shop: string | null = null;
    const plans = await genericPlansOf(database.url, async (db) => {
      shop = await shopOfSentMessage(db, '<ivy-reminder@cartflow>');
    });
    expect(sequentialScans(plans)).toEqual([]);
    expect(shop).toBe(shopId);
  });

  it('reads the unsubscribe page’s message and its chain by their keys', async () => {
    let target: Awaited<ReturnType<typeof unsubscribeTargetOf>>;
    const plans = await genericPlansOf(database.url, async (db) => {
      target = await unsubscribeTargetOf(db, '00000000-0000-4000-8000-00000000aaaa');
    });
    expect(sequentialScans(plans)).toEqual([]);
    expect(target).toMatchObject({ shopId, email: person, category: 'cart_reminders' });
  });
});
