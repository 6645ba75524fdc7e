import net from 'node:net';

// A bare SMTP client for `npm run bench:smtp`: the same message over plain sockets, no library, one
// command at a time (as nodemailer does). What it reaches is the SMTP server's own ceiling, so the
// bench can tell the sink's cost from the transport's.

export interface RawConnection {
  send(options: { from: string; to: string; raw: Buffer }): Promise<void>;
  close(): Promise<void>;
}

export async function openRawConnection(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  socket.setNoDelay(true);
  let buffered = '';
  let waiting: ((reply: string) => void) | undefined;
  let failed: Error | undefined;
  const replies: string[] = [];
  socket.on('error', (error) => (failed = error));
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    // A reply ends with a line whose code is followed by a space (`250 OK`, not `250-PIPELINING`).
    for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (line[3] === '-') continue;
      const take = waiting;
      waiting = undefined;
      if (take) take(line);
      else replies.push(line);
    }
  });
  const reply = (expect: string) =>
    new Promise<string>((resolve, reject) => {
      if (failed) return reject(failed);
      const check = (line: string) =>
        line.startsWith(expect) ? resolve(line) : reject(new Error(`SMTP answered "${line}", expected ${expect}`));
      const ready = replies.shift();
      if (ready !== undefined) check(ready);
      else waiting = check;
    });
  const command = (line: string, expect: string) => {
    socket.write(`${line}\r\n`);
    return reply(expect);
  };
  await reply('220');
  await command('EHLO bench.localhost', '250');
  return {
    async send({ from, to, raw }) {
      await command(`MAIL FROM:<${from}>`, '250');
      await command(`RCPT TO:<${to}>`, '250');
      await command('DATA', '354');
      // Dot-stuffing: a line starting with "." gets another (RFC 5321 §4.5.2).
      socket.write(raw.toString('latin1').replace(/(^|\r\n)\./g, '$1..'), 'latin1');
      await command('\r\n.', '250');
    },
    async close() {
      await command('QUIT', '221').catch(() => undefined);
      socket.destroy();
    },
  };
}
