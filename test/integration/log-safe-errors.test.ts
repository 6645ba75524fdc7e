import { Writable } from 'node:stream';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../config/logger';
import { customers } from '../../db/schema';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

// A real failed statement on PostgreSQL, logged the way the app logs errors (`{ err }`, and
// `{ error }` as Temporal's "Activity failed" does): drizzle's message lists the statement's
// parameters and PostgreSQL's detail repeats the row's key, so both would put the customer in the log.
const NAME = "Ольга O'Brien-Ünïque & Co";
const EMAIL = 'olga.obrien+logs@пример.рф';

let database: TestDatabase;
let failure: unknown;

beforeAll(async () => {
  database = await createTestDatabase();
  const row = { shopId: 'shop-logs', email: EMAIL, name: NAME };
  await database.db.insert(customers).values(row);
  failure = await database.db
    .insert(customers)
    .values(row)
    .then(
      () => undefined,
      (error: unknown) => error,
    );
}, 60_000);

afterAll(async () => {
  await database?.drop();
});

function logLines(write: (logger: ReturnType<typeof createLogger>) => void): string {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  write(createLogger('info', sink));
  return lines.join('');
}

describe('errors in the log', () => {
  it('a failed statement is logged with its SQLSTATE, constraint and SQL, without the customer it was about', () => {
    // The error as it reaches a handler carries the customer twice over (the test's premise).
    const raw = String((failure as Error).message) + JSON.stringify((failure as { cause?: object }).cause);
    expect(raw).toContain(EMAIL);
    expect(raw).toContain(NAME);

    const output = logLines((logger) => {
      logger.error({ err: failure, route: 'webhooks' }, 'request failed');
      logger.child({ component: 'temporal' }).warn({ error: failure }, 'Activity failed');
    });
    expect(output).not.toContain(EMAIL);
    expect(output).not.toContain('olga.obrien');
    expect(output).not.toContain('Ольга');
    expect(output).not.toContain('O\\u0027Brien');
    expect(output).not.toContain("O'Brien");

    const [request, activity] = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    for (const logged of [request.err, activity.error]) {
      expect(logged.message).toMatch(/^Failed query: insert into "customers"/);
      expect(logged.cause).toMatchObject({ code: '23505', constraint_name: 'customers_shop_email_idx' });
      expect(logged.stack).toMatch(/\n\s+at /); // the frames stay
    }
  });

  it('an address inside any message or field is masked (an SMTP answer names its recipient)', () => {
    const smtp = Object.assign(new Error(`Can't send mail - all recipients were rejected: 550 <${EMAIL}> unknown`), {
      code: 'EENVELOPE',
      response: `550 5.1.1 <${EMAIL}>: Recipient address rejected`,
      command: 'RCPT TO',
    });
    const output = logLines((logger) => logger.warn({ err: smtp }, 'email not sent'));
    expect(output).not.toContain(EMAIL);
    const { err } = JSON.parse(output);
    expect(err).toMatchObject({ code: 'EENVELOPE', command: 'RCPT TO' });
    expect(err.response).toBe('550 5.1.1 <[email]>: Recipient address rejected');
    expect(err.message).toContain('550 <[email]> unknown');
  });

  it("an error made in another realm (a workflow's V8 context) is masked too", () => {
    // Not `instanceof` this realm's Error: the serializer must still see it as an error.
    const foreign: unknown = vm.runInNewContext(`new Error('no customer for ' + address)`, { address: EMAIL });
    expect(foreign instanceof Error).toBe(false);
    const output = logLines((logger) => logger.warn({ error: foreign }, 'workflow failed'));
    expect(output).not.toContain(EMAIL);
    expect(JSON.parse(output).error.message).toBe('no customer for [email]');
  });
});
