import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedAccess, openEmbedded } from '../../db/embedded';
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

// The same library as cartflow serves it (db/embedded.ts), with its own queue: above, two
// connections' extended-protocol queries interleave in PGlite's one session (pglite#1046); here
// each connection's Parse..Sync runs together, which `npm start` and a CLI beside it rely on.
describe('the embedded database as `npm start` serves it', () => {
  let served: Extract<EmbeddedAccess, { kind: 'served' }>;
  let dir: string;
  let clients: postgres.Sql[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-socket-'));
    const access = await openEmbedded({ pgliteDir: path.join(dir, 'pglite'), servePort: 0 });
    if (access.kind !== 'served') throw new Error(`expected to serve the database, got ${access.kind}`);
    served = access;
    clients = [0, 1, 2].map(() => postgres(served.url, { max: 1, onnotice: () => {} }));
  });
  afterAll(async () => {
    await Promise.all((clients ?? []).map((sql) => sql.end({ timeout: 1 })));
    await served?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // drizzle sends every query as an unnamed statement (postgres.js `unsafe`), as here.
  const queries = (round: number) => [
    clients[0]!.unsafe('select $1::int + $2::int as n', [round, 1]),
    clients[1]!.unsafe('select $1::text || $2::text || $3::text || $4::text as t', ['O’', 'Brien', ' & ', `${round}`]),
    clients[2]!.unsafe('select $1::text as s', ['зоя']),
  ];

  it('answers each connection with its own rows when their parameterized queries arrive together', async () => {
    for (let round = 0; round < 30; round += 1) {
      expect(await Promise.all(queries(round))).toEqual([
        [{ n: round + 1 }],
        [{ t: `O’Brien & ${round}` }],
        [{ s: 'зоя' }],
      ]);
    }
  });

  it('a failing statement fails alone: the others, and the next query on its connection, still answer', async () => {
    const [failing, ...others] = await Promise.allSettled([
      clients[0]!.unsafe('select $1::int as n', ['not a number']),
      ...queries(7).slice(1),
    ]);
    expect(failing).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/invalid input/) } });
    expect(others.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(await clients[0]!.unsafe('select $1::int as n', [5])).toEqual([{ n: 5 }]);
  });

  // psql, Metabase or a report on the served port must not freeze `npm start` (its webhooks,
  // /healthz, the worker's heartbeats): while the statement runs, the process's timers still fire.
  it('a long statement from a client does not stop the serving process', async () => {
    let last = Date.now();
    let longestGap = 0;
    const ticks = setInterval(() => {
      longestGap = Math.max(longestGap, Date.now() - last);
      last = Date.now();
    }, 50);
    try {
      await clients[0]!.unsafe('select pg_sleep(3)');
    } finally {
      clearInterval(ticks);
    }
    expect(longestGap).toBeLessThan(1_000);
  });
});
