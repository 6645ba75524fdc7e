import { startSmtpSink } from '../mail/smtp-sink';

// The SMTP server of `npm run bench:smtp`, in a process of its own (forked by bench/smtp.ts) so that
// the client's and the server's CPU are measured apart, as they would be on two machines.
// Sends `{ url }` once listening; answers `{ type: 'stats' }` with the messages and bytes received
// and its CPU time; `{ type: 'close' }` stops it.

let messages = 0;
let bytes = 0;
const sink = await startSmtpSink({
  onMessage: async (raw) => {
    messages += 1;
    bytes += raw.length;
  },
});
process.send?.({ url: sink.url });
process.on('message', async (message: { type: string }) => {
  if (message.type === 'stats') {
    const cpu = process.cpuUsage();
    process.send?.({ messages, bytes, cpuMs: (cpu.user + cpu.system) / 1000 });
  } else if (message.type === 'close') {
    await sink.close();
    process.exit(0);
  }
});
// The bench died without closing us: go too, rather than hold the port.
process.on('disconnect', () => process.exit(0));
