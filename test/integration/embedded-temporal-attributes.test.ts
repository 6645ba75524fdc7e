import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { startEmbeddedTemporal } from '../../app/embedded-temporal';
import { startLocalTemporal } from '../../app/local-temporal';
import { cartSearchAttributeKeys } from '../../app/search-attributes';
import { freePort } from '../helpers/free-port';

// The dev server's --search-attribute flags only apply to a new database file: a data folder made
// by an earlier cartflow (without CartflowShop) must still get every attribute at the next start.
const silent = pino({ level: 'silent' });
let dataDir: string | undefined;
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it('`npm start` on a data folder from before CartflowShop registers it (and keeps the others)', async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-temporal-upgrade-'));
  const older = await startLocalTemporal({
    logger: silent,
    port: await freePort(),
    searchAttributes: cartSearchAttributeKeys.filter((key) => key.name !== 'CartflowShop'),
    dbFilename: path.join(dataDir, 'temporal.db'),
    logFile: path.join(dataDir, 'older-temporal.log'),
  });
  await older.teardown();

  const env = await startEmbeddedTemporal({
    dataDir,
    port: await freePort(),
    uiPort: await freePort(),
    logger: silent,
    payloadCodec: { encode: async (payloads) => payloads, decode: async (payloads) => payloads },
  });
  try {
    const answer = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    const names = Object.keys(answer.customAttributes ?? {}).filter((name) => name.startsWith('Cartflow'));
    expect(names.sort()).toEqual(cartSearchAttributeKeys.map((key) => key.name).sort());
    expect(names).toContain('CartflowShop');
  } finally {
    await env.teardown();
  }
}, 180_000);
