import { fork } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { templatesDir } from '../app/services';
import {
  createSmtpMailer,
  type DkimSettings,
  type Mailer,
  nodemailerMessage,
  type OutgoingEmail,
} from '../mail/mailer';
import { rawMessage } from '../mail/raw-message';
import { sendDeadline } from '../mail/send-deadline';
import { SEND_DEADLINE_MS } from '../domain/activity-timeouts';
import { createTemplateRenderer } from '../mail/template-renderer';
import { loadSample } from '../mail/template-samples';
import { loadTemplateSources } from '../mail/template-source';
import { mapLimit } from './chains-support';
import { openRawConnection } from './smtp-raw-client';

// `npm run bench:smtp`: emails/s through the worker's pooled nodemailer transport (createSmtpMailer,
// as the worker builds it) to a local SMTP server, beside a new connection per email, in one run.
// The server is mail/smtp-sink.ts in a process of its own (bench/smtp-sink-process.ts); a bare
// socket client measures that server alone, so its cost can be told from the transport's.
//   --emails 5000        emails per path (the new-connection path sends a fifth of them)
//   --concurrency 50     sends in flight (the worker runs up to 100 activities at once)
//   --quick              150 emails per path: a smoke test

const { values: args } = parseArgs({
  options: {
    emails: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '50' },
    quick: { type: 'boolean', default: false },
  },
});
const EMAILS = args.quick ? 150 : Number(args.emails);
const CONCURRENCY = Number(args.concurrency);
if (!(EMAILS > 0) || !(CONCURRENCY > 0))
  throw new Error('bench:smtp: --emails and --concurrency must be positive numbers');
const FROM = 'Shop <shop@bench.localhost>';

interface SinkStats {
  messages: number;
  bytes: number;
  cpuMs: number;
}

/** mail/smtp-sink.ts in a forked process; `stats()` reads its counters and CPU time. */
async function startSinkProcess() {
  const child = fork(fileURLToPath(new URL('./smtp-sink-process.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>() => new Promise<T>((resolve) => child.once('message', (message) => resolve(message as T)));
  const { url } = await next<{ url: string }>();
  return {
    url,
    stats: () => {
      const answer = next<SinkStats>();
      child.send({ type: 'stats' });
      return answer;
    },
    close: () => {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' });
      return gone;
    },
  };
}

/** A real cart email as the worker sends it: the cart-reminder template, a two-item cart, marketing headers. */
async function cartEmail(): Promise<(index: number) => OutgoingEmail> {
  const sources = await loadTemplateSources(templatesDir, 'cart-reminder');
  const data = await loadSample(sources, 'samples/two-items.json', { locale: 'en' });
  const rendered = await createTemplateRenderer({ dir: templatesDir }).render('cart-reminder', data, {
    locale: 'en',
    variantKey: 'cart:bench:reminder',
  });
  return (index) => ({
    to: `customer-${index}@bench.localhost`,
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    messageId: `<bench-${index}.${Date.now()}@bench.localhost>`,
    headers: {
      'List-Unsubscribe': `<https://shop.bench.localhost/u/${index}?t=${'x'.repeat(40)}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': 'Cart reminders <cart-reminder.bench.localhost>',
      'Feedback-ID': 'reminder:cart-recovery:bench:cartflow',
    },
  });
}

/** A throwaway RSA 2048 key: what DKIM signing costs per email, as a worker with DKIM_* set pays it. */
function benchDkim(): DkimSettings {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    domainName: 'bench.localhost',
    keySelector: 'bench',
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

interface PathResult {
  name: string;
  emails: number;
  wallMs: number;
  latencies: number[];
  clientCpuMs: number;
  sinkCpuMs: number;
}

async function measure(options: {
  name: string;
  emails: number;
  sink: Awaited<ReturnType<typeof startSinkProcess>>;
  send: (index: number) => Promise<unknown>;
  /** False for a path that sends nothing to the server (the MIME build alone). */
  reachesServer?: boolean;
}): Promise<PathResult> {
  const latencies: number[] = [];
  const sinkBefore = await options.sink.stats();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await mapLimit(
    Array.from({ length: options.emails }, (_, index) => index),
    CONCURRENCY,
    async (index) => {
      const t0 = performance.now();
      await options.send(index);
      latencies.push(performance.now() - t0);
    },
  );
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const sinkAfter = await options.sink.stats();
  const received = sinkAfter.messages - sinkBefore.messages;
  if (received !== (options.reachesServer === false ? 0 : options.emails))
    throw new Error(`${options.name}: sent ${options.emails}, the server received ${received}`);
  return {
    name: options.name,
    emails: options.emails,
    wallMs,
    latencies,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
    sinkCpuMs: sinkAfter.cpuMs - sinkBefore.cpuMs,
  };
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};
/** What the worker hands nodemailer (mail/mailer.ts createSmtpMailer). */
const workerMessage = (email: OutgoingEmail) => {
  const message = nodemailerMessage(FROM, email);
  return rawMessage(message) ?? message;
};
const ms = (value: number) => (value < 1 ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(2)} ms`);
const int = (value: number) => Math.round(value).toLocaleString('en');

async function main() {
  const sink = await startSinkProcess();
  const email = await cartEmail();
  const raw = (
    await nodemailer
      .createTransport({ streamTransport: true, buffer: true })
      .sendMail(nodemailerMessage(FROM, email(0)))
  ).message as Buffer;
  const results: PathResult[] = [];
  const pooled = async (
    name: string,
    options?: Pick<Parameters<typeof createSmtpMailer>[0], 'pool' | 'dkim'>,
    { deadline = true } = {},
  ) => {
    const mailer: Mailer = createSmtpMailer({ url: sink.url, from: FROM, ...options });
    // Each send with its own deadline, as the worker's (activities/deliver-email.ts).
    await sendThrough(name, {
      send: (message) => mailer.send(message, deadline ? { deadline: sendDeadline(SEND_DEADLINE_MS) } : {}),
      verify: () => mailer.verify(),
      close: () => mailer.close(),
    });
  };
  const sendThrough = async (name: string, mailer: Pick<Mailer, 'send' | 'verify' | 'close'>) => {
    await mailer.verify();
    await measure({
      name: `${name} (warm-up)`,
      emails: Math.min(200, Math.ceil(EMAILS / 3)),
      sink,
      send: (i) => mailer.send(email(i)),
    });
    results.push(await measure({ name, emails: EMAILS, sink, send: (i) => mailer.send(email(i)) }));
    mailer.close();
  };
  try {
    await pooled('pooled: createSmtpMailer as the worker builds it (5 connections, 100 messages each)');
    await pooled('pooled: 5 connections, unlimited messages per connection', { pool: { maxMessages: Infinity } });
    await pooled('pooled: 10 connections, unlimited messages per connection', {
      pool: { maxConnections: 10, maxMessages: Infinity },
    });
    // The paths run in a fixed order and later ones find the process warmer: the first one again
    // tells how much of a difference between them is only that.
    await pooled('pooled: createSmtpMailer as the worker builds it, run again after the others');
    // Warm, right after the worker's path again: the send deadline's own cost is the difference.
    await pooled('pooled: as the worker builds it, without a send deadline (before mail/send-deadline.ts)', undefined, {
      deadline: false,
    });
    await pooled('pooled: createSmtpMailer with DKIM signing (RSA 2048)', { dkim: benchDkim() });
    // Before mail/raw-message.ts: the same pooled transport, nodemailer streaming its MIME tree of the encoded parts.
    const treePool = nodemailer.createTransport({ url: sink.url, pool: true, maxConnections: 5 });
    await sendThrough('pooled, nodemailer building the message from the encoded parts (before mail/raw-message.ts)', {
      send: async (email) => ({ response: (await treePool.sendMail(nodemailerMessage(FROM, email))).response }),
      verify: async () => void (await treePool.verify()),
      close: () => treePool.close(),
    });
    await pooled('pooled: createSmtpMailer as the worker builds it, once more after the path before raw-message');
    // Before mail/mime-part.ts: the same pooled transport, nodemailer encoding the text and HTML itself.
    const plainPool = nodemailer.createTransport({ url: sink.url, pool: true, maxConnections: 5 });
    await sendThrough('pooled, the text and HTML encoded by nodemailer (before mail/mime-part.ts)', {
      send: async (email) => ({ response: (await plainPool.sendMail({ from: FROM, ...email })).response }),
      verify: async () => void (await plainPool.verify()),
      close: () => plainPool.close(),
    });
    // Baseline: what a worker without the pool would do (same message, same timeouts, one connection per email).
    const single = nodemailer.createTransport({
      url: sink.url,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    results.push(
      await measure({
        name: 'baseline: new connection per email (nodemailer, no pool)',
        emails: Math.max(100, Math.round(EMAILS / 5)),
        sink,
        send: (i) => single.sendMail(nodemailerMessage(FROM, email(i))),
      }),
    );
    // What building the message costs (MIME, the worker's encoded parts), with no SMTP at all.
    const build = nodemailer.createTransport({ streamTransport: true, buffer: true });
    await measure({
      name: 'MIME (warm-up)',
      emails: 200,
      sink,
      reachesServer: false,
      send: (i) => build.sendMail(workerMessage(email(i))),
    });
    results.push(
      await measure({
        name: "the worker's message build only (streamTransport, no SMTP)",
        emails: EMAILS,
        sink,
        reachesServer: false,
        send: (i) => build.sendMail(workerMessage(email(i))),
      }),
    );
    // The server alone: bare sockets, no library on the client side, 5 connections held open.
    const connections = await Promise.all(Array.from({ length: 5 }, () => openRawConnection(sink.url)));
    const free = [...connections];
    const waiters: Array<() => void> = [];
    const withConnection = async (run: (connection: (typeof connections)[number]) => Promise<void>) => {
      while (free.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
      const connection = free.pop()!;
      try {
        await run(connection);
      } finally {
        free.push(connection);
        waiters.shift()?.();
      }
    };
    results.push(
      await measure({
        name: 'the SMTP server alone: bare-socket client, 5 connections',
        emails: EMAILS,
        sink,
        send: (i) =>
          withConnection((c) => c.send({ from: 'shop@bench.localhost', to: `customer-${i}@bench.localhost`, raw })),
      }),
    );
    await Promise.all(connections.map((connection) => connection.close()));
  } finally {
    await sink.close();
  }

  console.log(
    `Email: cart-reminder (en, two-items sample), ${int(raw.length)} bytes as sent (HTML ${int(email(0).html.length)} chars); ${CONCURRENCY} sends in flight; SMTP server: mail/smtp-sink.ts in its own process; load average at the end ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  console.log('');
  // emails/s depends on what else the 2 cores run; CPU per email much less, hence the last column.
  console.log(
    '| path | emails | emails/s | p50 per send | p99 per send | client CPU per email | server CPU per email | emails/s per client core (1 ÷ client CPU) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const result of results) {
    console.log(
      `| ${result.name} | ${int(result.emails)} | **${int(result.emails / (result.wallMs / 1000))}** | ${ms(quantile(result.latencies, 0.5))} | ${ms(quantile(result.latencies, 0.99))} | ${ms(result.clientCpuMs / result.emails)} | ${ms(result.sinkCpuMs / result.emails)} | ${int(result.emails / (result.clientCpuMs / 1000))} |`,
    );
  }
}

await main();
