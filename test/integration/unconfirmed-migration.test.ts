import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseBeforeMigration, databaseBeforeMigration } from '../helpers/database-before-migration';

// Migration 0016 on a database that already holds the rows the old code wrote: a crashed attempt's
// claim turned `skipped` (it carries the claim's Message-ID) beside a plain skip (Message-ID '-').
let database: DatabaseBeforeMigration;
let sql: DatabaseBeforeMigration['sql'];

beforeAll(async () => {
  database = await databaseBeforeMigration(16);
  sql = database.sql;
});
afterAll(() => database?.drop());

describe('migration 0016 (unconfirmed messages)', () => {
  it('turns old skipped rows that carry a dead attempt’s claim unconfirmed (a released claim stays skipped), and the funnel counts them apart', async () => {
    await database.migrateToReleaseBefore();
    const row = (key: string, status: string, messageIdHeader: string, reason: string | null, claimedAt = new Date()) =>
      sql`insert into messages (key, shop_id, cart_id, step, template_id, template_version, status,
          message_id_header, reason, campaign_id, campaign_version, claimed_at)
        values (${key}, 'shop-m', ${key}, 'reminder', 'cart-reminder', 'v1', ${status}, ${messageIdHeader}, ${reason},
          'b2c-cart', 1, ${claimedAt.toISOString()})`;
    await row('crashed-then-skipped', 'skipped', '<cart.shop-m.crashed@mail.example.com>', 'newer_cart');
    // The mail server was down: every attempt released its claim, then the step expired.
    await row('released-then-expired', 'skipped', '<cart.shop-m.released@mail.example.com>', 'expired', new Date(0));
    await row('plain-skip', 'skipped', '-', 'no_consent');
    await row('sent', 'sent', '<cart.shop-m.sent@mail.example.com>', null);

    await database.migrateToNow();

    expect(await sql`select key, status, reason from messages order by key`).toEqual([
      { key: 'crashed-then-skipped', status: 'unconfirmed', reason: 'newer_cart' },
      { key: 'plain-skip', status: 'skipped', reason: 'no_consent' },
      { key: 'released-then-expired', status: 'skipped', reason: 'expired' },
      { key: 'sent', status: 'sent', reason: null },
    ]);
    expect(
      await sql`select reached, sent, skipped, unconfirmed from campaign_step_daily where shop_id = 'shop-m'`,
    ).toEqual([{ reached: 4, sent: 1, skipped: 2, unconfirmed: 1 }]);
  });
});
