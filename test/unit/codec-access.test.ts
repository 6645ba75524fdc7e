import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createEncryptionCodec } from '../../codec/encryption-codec';
import { embeddedUiOrigins, isLoopbackHost, localCodecEndpoint } from '../../server/codec-access';
import { codecRoutes } from '../../server/codec-routes';

const codec = createEncryptionCodec(`k1:${randomBytes(32).toString('base64')}`);
const ui = 'http://127.0.0.1:8233';

function decode(config: Parameters<typeof codecRoutes>[0]['config'], headers: Record<string, string>) {
  return codecRoutes({ codec, config, logger: pino({ level: 'silent' }) }).request('http://127.0.0.1:3000/decode', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: '{}',
  });
}

describe('codec access', () => {
  it('knows loopback hosts, with and without a port', () => {
    for (const host of [
      '127.0.0.1',
      '127.0.0.1:3000',
      'localhost:3000',
      'LOCALHOST',
      '[::1]:3000',
      '::1',
      '127.1.2.3',
    ]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of [
      '0.0.0.0',
      'cartflow.example.com:3000',
      '10.0.0.1',
      'localhost.evil.example',
      '127.0.0.1.nip.io',
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('points local clients at a loopback address even when the server listens everywhere', () => {
    expect(localCodecEndpoint({ host: '127.0.0.1', port: 3000 })).toBe('http://127.0.0.1:3000/codec');
    expect(localCodecEndpoint({ host: '0.0.0.0', port: 8080 })).toBe('http://127.0.0.1:8080/codec');
    expect(localCodecEndpoint({ host: '::1', port: 3000 })).toBe('http://[::1]:3000/codec');
  });

  it('on the embedded default: the UI origin and origin-less clients, nobody else', async () => {
    const config = { codecLocalUiOrigins: embeddedUiOrigins(8233) };
    expect((await decode(config, { origin: ui })).status).toBe(200);
    expect((await decode(config, { origin: 'http://localhost:8233' })).status).toBe(200);
    expect((await decode(config, {})).status).toBe(200);
    expect((await decode(config, { origin: 'http://127.0.0.1:9999' })).status).toBe(403);
    expect((await decode(config, { host: 'attacker.example:3000' })).status).toBe(403);
  });

  it('an ADMIN_TOKEN always wins; without either the endpoint does not exist', async () => {
    const token = 'admin-token-0123456789abcdef';
    const withToken = { adminToken: token, codecLocalUiOrigins: embeddedUiOrigins(8233) };
    expect((await decode(withToken, { origin: ui })).status).toBe(401);
    expect((await decode(withToken, { origin: ui, authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await decode({}, { origin: ui })).status).toBe(404);
  });

  it('an empty payload list may be left out, as proto3 JSON does', async () => {
    const response = await decode({ codecLocalUiOrigins: embeddedUiOrigins(8233) }, {});
    expect(await response.json()).toEqual({ payloads: [] });
  });
});
