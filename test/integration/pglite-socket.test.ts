import { connect } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually';

// What the installed @electric-sql/pglite-socket (0.2.x) does with several clients, which
// db/embedded.ts relies on: clients share the instance (no lock per client), a transaction keeps
// the others waiting until it ends, and clients past maxConnections are turned away.
let pglite: PGlite;
let server: PGLiteSocketServer;
let a: postgres.Sql;
let b: postgres.Sql;

const port = () => Number(server.getServerConn().split(':').at(-1));
const client = () => postgres(`postgres://postgres@127.0.0.1:${port()}/postgres`, { max: 1, onnotice: () => {} });

beforeAll(async () => {
  pglite = await PGlite.create();
  await pglite.exec('create table notes (id int primary key, body text)');
  server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0, maxConnections: 3 });
  await server.start();
  [a, b] = [client(), client()];
});
afterAll(async () => {
  await Promise.all([a, b].map((sql) => sql?.end({ timeout: 1 })));
  await server?.stop();
  await pglite?.close();
});

describe('@electric-sql/pglite-socket with several clients', () => {
  it('multiplexes: two connected clients and the host process all get answers', async () => {
    expect(await a`select ${1}::int as n`).toEqual([{ n: 1 }]);
    expect(await b`select ${2}::int as n`).toEqual([{ n: 2 }]);
    expect(server.getStats().activeConnections).toBe(2);
    // 0.1.x locked the instance for as long as a client stayed connected: this query would hang.
    expect((await pglite.query<{ n: number }>('select 3 as n')).rows).toEqual([{ n: 3 }]);
  });

  it('holds other clients until a transaction ends, so they never run inside it', async () => {
    let counted: Promise<Array<{ n: number }>> | undefined;
    const rolledBack = new Error('roll back');
    await expect(
      a.begin(async (tx) => {
        await tx`insert into notes values (1, 'draft')`;
        counted = b<Array<{ n: number }>>`select count(*)::int as n from notes`.execute();
        // b's query has reached the server and waits there while a's transaction is open.
        await eventually(() => expect(server.getStats().queuedQueries).toBeGreaterThan(0));
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    // Run inside a's transaction (one PGlite session), it would have counted the draft row.
    expect(await counted).toEqual([{ n: 0 }]);
  });

  it('turns away a client past maxConnections: its connection is closed without a word', async () => {
    // (postgres.js does not report this: it reconnects and waits, so cartflow keeps well under the limit.)
    const third = client();
    try {
      await third`select 1`;
      expect(server.getStats().activeConnections).toBe(3);
      const reply = await new Promise<string>((resolve) => {
        let text = '';
        connect(port(), '127.0.0.1')
          .on('data', (chunk) => void (text += chunk.toString()))
          .on('close', () => resolve(text));
      });
      expect(reply).toBe('');
      expect(await third`select 4::int as n`).toEqual([{ n: 4 }]);
    } finally {
      await third.end({ timeout: 1 });
    }
  });
});
