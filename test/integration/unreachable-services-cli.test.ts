import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCartflow } from '../helpers/cartflow-cli';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { freePort } from '../helpers/free-port';

// An operator with a TEMPORAL_ADDRESS or DATABASE_URL that nothing answers (a typo, a server
// down): a real process, a real Postgres, a port where nothing listens. The libraries alone say
// "Failed to connect before the deadline" or "connect ECONNREFUSED …", naming neither the service
// nor the variable to check.
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe('a TEMPORAL_ADDRESS that nothing answers', () => {
  it('privacy erase refuses in one line naming Temporal, the address and the variable, and erases nothing', async () => {
    await database.sql`insert into customers (shop_id, email, name) values ('default', 'zoe@example.com', 'Zoë')`;
    const address = `127.0.0.1:${await freePort()}`;
    const result = await runCartflow(['privacy', 'erase', 'zoe@example.com', '--yes'], {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: address,
      LOG_LEVEL: 'silent',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `cartflow: cannot connect to Temporal at ${address} (TEMPORAL_ADDRESS): Failed to connect before the deadline; ` +
        'check that it runs and that TEMPORAL_ADDRESS is right\n',
    );
    const [row] = await database.sql`select count(*)::int as n from customers where email = 'zoe@example.com'`;
    expect(row?.n).toBe(1);
  }, 60_000);
});

describe('a DATABASE_URL that nothing answers', () => {
  it('the report refuses in one line naming the database, the cause and the variable', async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/cartflow`;
    const result = await runCartflow(['report'], { DATABASE_URL: url, LOG_LEVEL: 'silent' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^cartflow: cannot reach the database: connect ECONNREFUSED 127\.0\.0\.1:\d+; check that PostgreSQL runs and that DATABASE_URL is right\n$/,
    );
  }, 60_000);
});
