import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';

export interface TestHttpServer {
  server: ServerType;
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  url: string;
  close(): Promise<void>;
}

/** Serves an app on a free port of 127.0.0.1, for requests that go over a real socket. */
export async function startHttpServer(app: { fetch: Parameters<typeof serve>[0]['fetch'] }): Promise<TestHttpServer> {
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
