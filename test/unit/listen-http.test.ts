import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/env';
import { listenHttp } from '../../server/listen';

describe('listenHttp', () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  it('names a port another process holds, and PORT, instead of listen EADDRINUSE', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    closers.push(() => holder.close());
    const { port } = holder.address() as AddressInfo;

    const attempt = listenHttp(new Hono(), { host: '127.0.0.1', port });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(
      `port ${port} on 127.0.0.1 is in use by another process; stop it or set PORT to a free port`,
    );
  });

  it('answers requests once it resolves', async () => {
    const app = new Hono().get('/', (c) => c.text('ok'));
    const server = await listenHttp(app, { host: '127.0.0.1', port: 0 });
    closers.push(() => server.close());
    const { port } = server.address() as AddressInfo;
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
  });
});
