import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { startEmbeddedTemporal, temporalCliPath } from '../../app/embedded-temporal';
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
  const binary = await temporalCliPath(silent);
  const older = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: binary ? { type: 'existing-path', path: binary } : { type: 'cached-download' },
      ip: '127.0.0.1',
      port: await freePort(),
      searchAttributes: cartSearchAttributeKeys.filter((key) => key.name !== 'CartflowShop'),
      dbFilename: path.join(dataDir, 'temporal.db'),
    },
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
