import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { templatesDir } from '../../app/services';
import { createSmtpMailer } from '../../mail/mailer';
import { createTemplateRenderer } from '../../mail/template-renderer';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { activityEnvironment } from '../helpers/test-logger';

// A chain whose step ran as a local activity and died mid-send can end on an order or a stop
// without that step running again (the replay meets the signal first): finishChain settles the
// rows such a step left `sending`, on real Postgres.
const shopId = 'shop-finish';
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const finishChain = (workflowId: string, cartId: string, outcome: string) =>
  activityEnvironment().run(
    createActivities({
      db: database.db,
      // Never reached: finishing a chain sends nothing.
      mailer: createSmtpMailer({ url: 'smtp://127.0.0.1:9', from: 'Shop <shop@mail.example.com>' }),
      templates: createTemplateRenderer({ dir: templatesDir }),
      messageIdDomain: 'mail.example.com',
    }).finishChain,
    { workflowId, shopId, cartId, outcome },
  );

async function row(input: { workflowId: string; cartId: string; step: string; status: string; claimedAt: string }) {
  await database.sql`insert into messages (key, shop_id, cart_id, step, template_id, template_version, status,
      message_id_header, claimed_at, workflow_id)
    values (${`cart:${shopId}:${input.cartId}:${input.step}`}, ${shopId}, ${input.cartId}, ${input.step},
      'cart-reminder', 'v1', ${input.status}, ${`<${input.step}.${input.cartId}@mail.example.com>`},
      ${input.claimedAt}, ${input.workflowId})`;
}

describe('finishChain settles the sends a chain left unfinished', () => {
  it("a dead attempt's claim becomes unconfirmed, a released one skipped, with the chain's outcome; other rows and chains are left alone", async () => {
    const cartId = "c-O'Brien-&-Søn";
    const workflowId = `cart:${shopId}:${cartId}`;
    const now = new Date().toISOString();
    await row({ workflowId, cartId, step: 'reminder', status: 'sent', claimedAt: now });
    await row({ workflowId, cartId, step: 'incentive', status: 'sending', claimedAt: now }); // died mid-send
    await row({ workflowId, cartId, step: 'last-chance', status: 'sending', claimedAt: new Date(0).toISOString() });
    await row({
      workflowId: `cart:${shopId}:other`,
      cartId: 'other',
      step: 'reminder',
      status: 'sending',
      claimedAt: now,
    });

    await finishChain(workflowId, cartId, 'purchased');

    expect(await database.sql`select cart_id, step, status, reason from messages order by cart_id, step`).toEqual([
      { cart_id: "c-O'Brien-&-Søn", step: 'incentive', status: 'unconfirmed', reason: 'purchased' },
      { cart_id: "c-O'Brien-&-Søn", step: 'last-chance', status: 'skipped', reason: 'purchased' },
      { cart_id: "c-O'Brien-&-Søn", step: 'reminder', status: 'sent', reason: null },
      { cart_id: 'other', step: 'reminder', status: 'sending', reason: null },
    ]);
  });
});
