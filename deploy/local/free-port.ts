import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, below 32768: the Temporal server stores its
 * services' ports in a `smallint` column (cluster_membership.rpc_port on PostgreSQL), so a port
 * from Linux's ephemeral range (32768-60999) makes it fail at start with "out of range for type
 * smallint". Random tries in 20000-32767, which that range never hands out.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * (32_768 - 20_000));
    if (await isFree(port)) return port;
  }
  throw new Error('no free TCP port found in 20000-32767 after 50 tries');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
