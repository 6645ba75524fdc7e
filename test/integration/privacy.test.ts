import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createChainStopper } from '../../app/chain-stopper';
import { cartWorkflowId } from '../../domain/ids';
import { createApp } from '../../server/app';
import { createCartWorkflows } from '../../server/cart-workflows';
import { stopChainSignal } from '../../workflows/definitions';
import { TEST_SECRET, cartUpdatedEvent, orderPlacedEvent } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createTestRelay } from '../helpers/outbox-relay';
import { signedRequest } from '../helpers/cart-events';

// Real Postgres and a real Temporal dev server. No worker polls the task queue, so the cart
// workflows the webhooks start stay running: the erase has something to stop.
const ADMIN_TOKEN = 'admin-token-for-privacy-tests-0123456789';
const shopId = `shop-privacy-${randomUUID().slice(0, 8)}`;
const taskQueue = `privacy-${randomUUID()}`;
const suffix = randomUUID().slice(0, 8);
const erin = { email: `erin.${suffix}@example.com`, name: `Erinvale Quorndike ${suffix}` };
const bob = { email: `bob.${suffix}@example.com`, name: `Bobbington Fairweather ${suffix}` };

let database: TestDatabase;
let connection: Connection;
let client: Client;
let app: ReturnType<typeof createApp>;
const workflowIds: string[] = [];
const cartsOf = { erin: [] as string[], bob: [] as string[] };
/** The webhooks that named Erin, as the shop sent them: a shop may retry any of them after her erasure. */
const erinEvents: Array<{ id: string }> = [];

let workflows: ReturnType<typeof createCartWorkflows>;
let relay: ReturnType<typeof createTestRelay>;

function appWith(adminToken: string | undefined) {
  return createApp({
    db: database.db,
    workflows,
    relay,
    config: {
      shopId,
      webhookSecret: TEST_SECRET,
      webhookMaxBytes: 256 * 1024,
      webhookToleranceMs: 300_000,
      adminToken,
    },
    chains: createChainStopper({ db: database.db, client }),
    logger: pino({ level: 'silent' }),
  });
}

// The tests read the JSON bodies a client would see; their shape is what the assertions check.
const readJson = (response: Response): Promise<any> => response.json();
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const exportOf = (email: string, headers: Record<string, string> = auth) =>
  app.request(`/admin/privacy/export?email=${encodeURIComponent(email)}`, { headers });
const erase = (body: unknown, headers: Record<string, string> = auth) =>
  app.request('/admin/privacy/erase', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function postWebhook(event: { id: string }) {
  const response = await app.request('/webhooks/cart', signedRequest(event));
  expect(response.status, JSON.stringify(await response.clone().json())).toBeLessThan(300);
}

/** What the worker, the tracking routes and the bounce webhooks would have written for a person. */
async function seedActivity(person: { email: string }, cartId: string) {
  const [customer] = await database.sql`select id from customers where shop_id = ${shopId} and email = ${person.email}`;
  const messageIds: string[] = [];
  for (const step of ['reminder', 'incentive']) {
    const [message] = await database.sql`insert into messages (key, shop_id, cart_id, customer_id, recipient, step,
        template_id, template_version, status, message_id_header, links, campaign_id, campaign_version, segment,
        smtp_response, reason)
      values (${`${shopId}:${cartId}:${step}`}, ${shopId}, ${cartId}, ${customer!.id}, ${person.email}, ${step},
        'cart-reminder', 'v1', 'sent', ${`<${randomUUID()}@mail.example.com>`},
        ${database.sql.json([`https://shop.example.com/cart/recover?token=t0k3n&who=${person.email}`])},
        'consumer', 3, 'consumer', ${`250 2.0.0 Ok: queued for <${person.email}>`},
        ${`soft bounce earlier for ${person.email.toUpperCase()}`})
      returning id`;
    messageIds.push(message!.id);
    await database.sql`insert into tracking_events (shop_id, message_id, type, link_index, user_agent, ip_prefix, machine)
      values (${shopId}, ${message!.id}, 'open', null, 'Mozilla/5.0 (Macintosh)', '203.0.113.0/24', false),
             (${shopId}, ${message!.id}, 'click', 0, 'Mozilla/5.0 (Macintosh)', '203.0.113.0/24', false)`;
  }
  await database.sql`insert into chains (workflow_id, shop_id, customer_id, cart_id, trigger, campaign_id,
      campaign_version, segment, status, outcome, finished_at)
    values (${`chain-${randomUUID()}`}, ${shopId}, ${customer!.id}, ${cartId}, 'cart.abandoned', 'consumer', 3,
      'consumer', 'finished', 'completed', now())`;
  await database.sql`insert into discount_codes (key, shop_id, code, cart_id, customer_id, type, value, expires_at, source)
    values (${`${shopId}:${cartId}:incentive`}, ${shopId}, ${`SAVE-${randomUUID().slice(0, 6)}`}, ${cartId},
      ${customer!.id}, 'percent', 10, now() + interval '3 days', 'builtin')`;
  await database.sql`insert into unsubscribe_events (shop_id, message_id, scope) values (${shopId}, ${messageIds[1]!}, 'all')`;
  await database.sql`insert into suppressions (shop_id, email, reason, source, detail)
    values (${shopId}, ${person.email}, 'soft_bounce', 'smtp', ${`452 mailbox of ${person.email} full`})`;
  await database.sql`insert into category_opt_outs (shop_id, email, category) values (${shopId}, ${person.email}, 'welcome')`;
  await database.sql`insert into delivery_events (shop_id, email, type, message_id, source, provider_event_id, detail, occurred_at)
    values (${shopId}, ${person.email}, 'soft_bounce', ${messageIds[0]!}, 'smtp', ${randomUUID()},
      ${`452 4.2.2 <${person.email}>: mailbox full`}, now())`;
}

/** Every text-like column of every table (so a table added later is covered too), with the rows containing `needle`. */
async function tablesContaining(needle: string): Promise<string[]> {
  const columns = await database.sql<Array<{ schema: string; table: string; column: string }>>`
    select c.table_schema as schema, c.table_name as table, c.column_name as column
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema not in ('pg_catalog', 'information_schema') and t.table_type = 'BASE TABLE'
      and c.data_type in ('text', 'character varying', 'character', 'jsonb', 'json', 'ARRAY', 'USER-DEFINED')`;
  expect(columns.length).toBeGreaterThan(20);
  const hits: string[] = [];
  for (const { schema, table, column } of columns) {
    const [row] = await database.sql.unsafe(
      `select count(*)::int as n from "${schema}"."${table}" where "${column}"::text ilike '%' || $1 || '%'`,
      [needle],
    );
    if (row!.n > 0) hits.push(`${table}.${column} (${row!.n})`);
  }
  return hits;
}

beforeAll(async () => {
  database = await createTestDatabase();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  workflows = createCartWorkflows({ client, taskQueue, abandonAfterMs: 3_600_000, campaigns: [consumerCampaign()] });
  relay = createTestRelay({ db: database.db, workflows });
  app = appWith(ADMIN_TOKEN);

  for (const [key, person] of [
    ['erin', erin],
    ['bob', bob],
  ] as const) {
    for (let i = 0; i < 2; i++) {
      // Mixed case on the wire: the address is stored lower-cased, and found whatever the case.
      const event = cartUpdatedEvent({ customer: { email: person.email.toUpperCase(), name: person.name } });
      await postWebhook(event);
      if (key === 'erin') erinEvents.push(event);
      cartsOf[key].push(event.data.id);
      workflowIds.push(cartWorkflowId({ shopId, cartId: event.data.id }));
    }
    const order = orderPlacedEvent({ cartId: cartsOf[key][1]! });
    await postWebhook(order);
    if (key === 'erin') erinEvents.push(order);
    await seedActivity(person, cartsOf[key][0]!);
  }
  // The webhooks only stored the events: let the relay start the workflows the erase is to stop.
  await relay.deliver();
});

afterAll(async () => {
  for (const workflowId of workflowIds) {
    await client?.workflow
      .getHandle(workflowId)
      .terminate('test over')
      .catch(() => undefined);
  }
  await connection?.close();
  await database?.drop();
});

describe('privacy export', () => {
  it('holds every row about the person, table by table, and nothing about anyone else', async () => {
    const response = await exportOf(erin.email.toUpperCase());
    expect(response.status).toBe(200);
    const document = await readJson(response);
    const [customer] = await database.sql`select * from customers where shop_id = ${shopId} and email = ${erin.email}`;
    expect(document.customer).toMatchObject({ id: Number(customer!.id), email: erin.email, name: erin.name });

    const ids = async (query: Promise<Array<Record<string, unknown>>>) =>
      (await query).map((row) => String(Object.values(row)[0])).sort();
    const exported = (rows: Array<Record<string, unknown>>, key: string) => rows.map((row) => String(row[key])).sort();
    const cid = customer!.id;
    expect(exported(document.carts, 'cartId')).toEqual([...cartsOf.erin].sort());
    expect(exported(document.cartEvents, 'eventId')).toEqual(
      await ids(database.sql`select event_id from cart_events where cart_id in ${database.sql(cartsOf.erin)}`),
    );
    expect(document.cartEvents).toHaveLength(3); // two carts, one order
    expect(exported(document.messages, 'id')).toEqual(
      await ids(database.sql`select id from messages where customer_id = ${cid}`),
    );
    expect(exported(document.trackingEvents, 'id')).toEqual(
      await ids(database.sql`select t.id from tracking_events t join messages m on m.id = t.message_id
        where m.customer_id = ${cid}`),
    );
    expect(document.trackingEvents).toHaveLength(4);
    expect(exported(document.chains, 'workflowId')).toEqual(
      await ids(database.sql`select workflow_id from chains where customer_id = ${cid}`),
    );
    expect(exported(document.orders, 'orderId')).toEqual(
      await ids(database.sql`select order_id from orders where customer_id = ${cid}`),
    );
    expect(document.orders).toHaveLength(1);
    expect(exported(document.discountCodes, 'code')).toEqual(
      await ids(database.sql`select code from discount_codes where customer_id = ${cid}`),
    );
    for (const [key, table] of [
      ['suppressions', 'suppressions'],
      ['categoryOptOuts', 'category_opt_outs'],
      ['deliveryEvents', 'delivery_events'],
    ] as const) {
      const [count] =
        await database.sql`select count(*)::int as n from ${database.sql(table)} where email = ${erin.email}`;
      expect(document[key], table).toHaveLength(count!.n);
      expect(count!.n, table).toBe(1);
    }
    expect(exported(document.unsubscribeEvents, 'scope')).toEqual(['all']);
    expect(JSON.stringify(document)).not.toContain(bob.email);
  });

  it('shows money as a person reads it, in the currency beside it, not as stored', async () => {
    const document = await readJson(await exportOf(erin.email));
    // The webhooks said "52.30" EUR; PostgreSQL holds 52.3000 and the order 5230 cents.
    expect(document.carts.map((cart: { total: string }) => cart.total)).toEqual(['52.30', '52.30']);
    expect(document.orders).toEqual([expect.objectContaining({ total: '52.30', currency: 'EUR' })]);
    expect(document.orders[0]).not.toHaveProperty('totalMinor');
    expect(document.discountCodes).toEqual([expect.objectContaining({ type: 'percent', value: '10' })]);
    for (const chain of document.chains) {
      expect(chain).not.toHaveProperty('revenueMinor');
      expect(chain.revenue).toMatch(/^\d+\.\d\d$/);
    }
    for (const message of document.messages) {
      expect(message).not.toHaveProperty('attributedRevenueMinor');
      expect(message.attributedRevenue).toMatch(/^\d+\.\d\d$/);
    }
    expect(JSON.stringify(document)).not.toMatch(/\d\.\d{4}"/);
  });

  it('says clearly when no data is held', async () => {
    const response = await exportOf(`nobody.${suffix}@example.com`);
    expect(response.status).toBe(404);
    expect(await readJson(response)).toEqual({ error: 'no_data', message: 'no data held for this address' });
  });
});

describe('privacy API access', () => {
  it('is disabled (404) without ADMIN_TOKEN, and refuses a missing or wrong token (401)', async () => {
    const disabled = await appWith(undefined).request(`/admin/privacy/export?email=${erin.email}`, { headers: auth });
    expect(disabled.status).toBe(404);
    expect((await readJson(disabled)).error).toBe('disabled');
    const refused: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-token-wrong-token-wrong' },
      { authorization: ADMIN_TOKEN },
    ];
    for (const headers of refused) {
      const response = await exportOf(erin.email, headers);
      expect(response.status).toBe(401);
      expect(await readJson(response)).toMatchObject({ error: 'unauthorized' });
      expect((await erase({ email: erin.email }, headers)).status).toBe(401);
    }
  });

  it('names the bad input (400)', async () => {
    const badQuery = await exportOf('not-an-address');
    expect(badQuery.status).toBe(400);
    expect((await readJson(badQuery)).message).toMatch(/^email/);
    const badBody = await erase({ mail: erin.email });
    expect(badBody.status).toBe(400);
    expect((await readJson(badBody)).message).toMatch(/^email: must be an email address/);
    const notJson = await erase('{"email":');
    expect(notJson.status).toBe(400);
    expect((await readJson(notJson)).error).toBe('invalid_json');
    expect((await erase({ email: `nobody.${suffix}@example.com` })).status).toBe(404);
  });
});

describe('privacy erase', () => {
  it('stops their workflows and leaves their address and name nowhere, keeping the counts and everyone else', async () => {
    const counts = () => database.sql`select
        (select count(*)::int from messages) as messages,
        (select count(*)::int from messages where status = 'sent') as sent,
        (select count(*)::int from tracking_events) as tracking,
        (select count(*)::int from tracking_events where type = 'click') as clicks,
        (select count(*)::int from chains where outcome = 'completed') as chains,
        (select count(*)::int from discount_codes) as codes`;
    const before = await counts();
    const bobBefore = await database.sql`select c.email, c.name, k.cart_id, k.snapshot, m.recipient
      from customers c join carts k on k.customer_id = c.id left join messages m on m.cart_id = k.cart_id
      where c.email = ${bob.email} order by k.cart_id, m.step`;
    expect(await tablesContaining(erin.email)).not.toEqual([]);

    const response = await erase({ email: erin.email.toUpperCase() });
    expect(response.status).toBe(200);
    const result = await readJson(response);
    expect(result.status).toBe('erased');
    // The open cart's workflow is running (no worker polls its queue); the bought one is still there too.
    const erinWorkflows = cartsOf.erin.map((cartId) => cartWorkflowId({ shopId, cartId }));
    expect(result.workflowsStopped).toEqual(expect.arrayContaining([erinWorkflows[0]]));
    for (const workflowId of result.workflowsStopped) expect(erinWorkflows).toContain(workflowId);
    expect(result.tables).toMatchObject({
      customers: { action: 'anonymised', rows: 1 },
      cart_events: { action: 'anonymised', rows: 3 },
      messages: { action: 'anonymised', rows: 2 },
      tracking_events: { action: 'anonymised', rows: 4 },
      suppressions: { action: 'deleted', rows: 1 },
      category_opt_outs: { action: 'deleted', rows: 1 },
      delivery_events: { action: 'deleted', rows: 1 },
      chains: { action: 'kept', rows: 1 },
      orders: { action: 'kept', rows: 1 },
    });
    const history = await client.workflow.getHandle(erinWorkflows[0]!).fetchHistory();
    const signals = history.events!.filter((event) => event.workflowExecutionSignaledEventAttributes);
    expect(signals.map((event) => event.workflowExecutionSignaledEventAttributes!.signalName)).toContain(
      stopChainSignal.name,
    );

    expect(await tablesContaining(erin.email)).toEqual([]);
    expect(await tablesContaining(erin.name)).toEqual([]);
    const [tracking] = await database.sql`select count(*)::int as n from tracking_events
      where user_agent is not null or ip_prefix is not null`;
    expect(tracking!.n).toBe(4); // Bob's only
    expect(await counts()).toEqual(before);
    const [anonymous] = await database.sql`select email, name, external_id from customers
      where id = (select customer_id from chains where cart_id = ${cartsOf.erin[0]!})`;
    expect(anonymous!.email).toMatch(/^erased-[0-9a-f-]{36}@erased\.invalid$/);
    expect(anonymous).toMatchObject({ name: null, external_id: null });

    expect(
      await database.sql`select c.email, c.name, k.cart_id, k.snapshot, m.recipient
      from customers c join carts k on k.customer_id = c.id left join messages m on m.cart_id = k.cart_id
      where c.email = ${bob.email} order by k.cart_id, m.step`,
    ).toEqual(bobBefore);
    expect(await tablesContaining(bob.email)).toEqual(
      expect.arrayContaining(['suppressions.email (1)', 'category_opt_outs.email (1)', 'delivery_events.email (1)']),
    );
    expect((await exportOf(erin.email)).status).toBe(404);
  });

  it("answers a late retry of an erased person's webhook as a duplicate: it brings nobody back", async () => {
    // Runs after the erase above. A shop retries a webhook it thinks was lost, hours later.
    for (const event of erinEvents) {
      const response = await app.request('/webhooks/cart', signedRequest(event));
      expect(response.status, event.id).toBe(200);
      expect(await readJson(response)).toMatchObject({ status: 'duplicate', eventId: event.id });
    }
    await relay.deliver();
    expect((await exportOf(erin.email)).status).toBe(404);
    expect(await tablesContaining(erin.email)).toEqual([]);
    expect(await tablesContaining(erin.name)).toEqual([]);
  });
});
