import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { type ParsedMail, simpleParser } from 'mailparser';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { payloadCodecFromKeys } from '../../codec/codec-config';
import { withDatabase } from '../../deploy/local/postgres-server';
import { type ProductionStack, startProductionStack } from '../../deploy/local/production-stack';
import { cartWorkflowId } from '../../domain/ids';
import { cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { eventually } from '../helpers/eventually';

// The production configuration, every part a process of its own as docker-compose.yml runs them:
// the Temporal server (built from source, scripts/temporal-server.sh) on PostgreSQL with its schemas
// set up by temporal-sql-tool, `npm run migrate`, `npm run worker`, `npm run server` and an SMTP
// catcher. Only the campaign's delays are seconds. On a fresh clone the first run builds the
// Temporal server (global-setup does it before any test: 46 s with Go's caches warm, half an hour
// on a loaded machine with none), so the start gets a long timeout in case it has to here.
const START_TIMEOUT_MS = 20 * 60_000;
const FAST_CAMPAIGN = `
id: fast
version: 1
name: Abandoned cart, in seconds
priority: 100
trigger: cart.abandoned
audience: everyone
steps:
  - { id: reminder, delay: 1s, template: cart-reminder }
  - id: incentive
    delay: 2s
    template: cart-incentive
    incentive: { type: percent, value: 10, validFor: 3d }
  - { id: last-chance, delay: 2s, template: cart-last-chance }
quietHours: none
frequency: { minGap: 1s, maxPer7Days: 10, maxDeferral: 1h }
reentryCooldown: 1m
`;

let dir: string;
let stack: ProductionStack;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-prod-stack-'));
  const campaignsDir = path.join(dir, 'campaigns');
  await mkdir(campaignsDir);
  await writeFile(path.join(campaignsDir, 'fast.v1.yaml'), FAST_CAMPAIGN);
  stack = await startProductionStack({
    dir: path.join(dir, 'stack'),
    // The suite's PostgreSQL server, with databases of this stack's own (cartflow_x, temporal_x, ...).
    postgresUrl: inject('postgresUrl'),
    databaseSuffix: `e2e_${randomUUID().slice(0, 8)}`,
    campaignsDir,
    abandonAfter: '2s',
    logLevel: 'warn',
    timeoutMs: 240_000,
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The catcher's .eml files, oldest first (names start with the time of arrival). */
async function caughtMail(): Promise<ParsedMail[]> {
  const names = (await readdir(stack.mailDir)).filter((name) => name.endsWith('.eml')).sort();
  return Promise.all(names.map(async (name) => simpleParser(await readFile(path.join(stack.mailDir, name)))));
}

describe('the production stack (Temporal on PostgreSQL, separate processes)', () => {
  it('a signed webhook becomes the chain of three emails, with Temporal state in PostgreSQL', async () => {
    const secret = stack.webhookSecret;
    const event = cartUpdatedEvent({ customer: { email: 'zoe@example.com', name: "Zoë O'Brien & Ёлка" } });
    const response = await fetch(`${stack.url}/webhooks/cart`, signedRequest(event, { secret }));
    expect(response.status).toBe(202);
    // The shop retries the same delivery: accepted as a duplicate, nothing more is sent.
    expect((await fetch(`${stack.url}/webhooks/cart`, signedRequest(event, { secret }))).status).toBe(200);
    // A request signed with another secret is refused by the server process.
    const forged = await fetch(
      `${stack.url}/webhooks/cart`,
      signedRequest(event, { secret: 'not-the-secret-0123456789' }),
    );
    expect(forged.status).toBe(401);

    const mail = await eventually(async () => {
      const messages = await caughtMail();
      if (messages.length < 3) throw new Error(`${messages.length} of 3 emails so far`);
      return messages;
    }, 90_000);
    expect(mail).toHaveLength(3);
    for (const message of mail) {
      expect(message.to && 'text' in message.to ? message.to.text : '').toBe('zoe@example.com');
      expect(message.text).toContain('Organic cotton T-shirt');
    }
    const [reminder, incentive, lastChance] = mail;
    expect(reminder?.subject).toContain("Zoë O'Brien & Ёлка");
    expect(incentive?.subject).toContain('10% off');
    expect(lastChance?.subject).toContain('Last chance');

    // The worker and the server share the payload key: the chain's result decrypts with it.
    const connection = await Connection.connect({ address: stack.temporalAddress });
    try {
      const client = new Client({
        connection,
        namespace: stack.namespace,
        dataConverter: { payloadCodecs: [payloadCodecFromKeys(stack.payloadKeys)] },
      });
      const workflowId = cartWorkflowId({ shopId: 'default', cartId: event.data.id });
      expect(await client.workflow.getHandle(workflowId).result()).toBe('completed');

      // Temporal's own state is in PostgreSQL (not the dev server's SQLite), searchable by campaign;
      // visibility is written asynchronously, so it may trail the result by a moment.
      const visibility = postgres(withDatabase(stack.databaseUrl, stack.databases.visibility), {
        max: 1,
      });
      try {
        await eventually(async () => {
          const rows = await visibility`select status from executions_visibility where workflow_id = ${workflowId}`;
          expect(rows).toEqual([{ status: 2 }]); // WORKFLOW_EXECUTION_STATUS_COMPLETED
        });
      } finally {
        await visibility.end();
      }
      await eventually(async () => {
        const listed: string[] = [];
        for await (const run of client.workflow.list({ query: `CartflowCampaign = 'fast@1'` })) {
          listed.push(run.workflowId);
        }
        expect(listed).toEqual([workflowId]);
      });
    } finally {
      await connection.close();
    }

    // cartflow's own records, written by the worker process to its database.
    const sql = postgres(stack.databaseUrl, { max: 1 });
    try {
      const rows = await sql`select step, status from messages where cart_id = ${event.data.id} order by created_at`;
      expect(rows).toEqual(['reminder', 'incentive', 'last-chance'].map((step) => ({ step, status: 'sent' })));
    } finally {
      await sql.end();
    }
  });
});
