import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralPortsStart, freePort } from '../helpers/free-port';

// The tests' fixed-port servers (PostgreSQL, Temporal dev servers) lost their port in CI to an
// outgoing connection that the kernel gave the same ephemeral port. Ports are now taken from below
// that range, where the kernel never hands one out on its own.
describe("the tests' port for a server started on a named port", () => {
  it('lies below the range the kernel gives outgoing connections, and can be listened on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(10_000);
    expect(port).toBeLessThan(ephemeralPortsStart());
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
