import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';

/**
 * The moment past which a send attempt must not hand its email to the mail server any more:
 * by then another attempt may have taken its claim over (STALE_CLAIM_MS) and sent the email
 * itself. An attempt whose process was frozen rather than killed (SIGSTOP, a paused VM, a
 * laptop put to sleep) resumes where it stopped, often in the middle of its SMTP conversation,
 * and its timers fire only after the server's pending answers have been read: no timeout stops it.
 */
export interface SendDeadline {
  passed(): boolean;
}

export interface DeadlineClocks {
  /** Keeps running while the machine sleeps; can be set back. */
  wall: () => number;
  /** Cannot be set back; stands still while the machine sleeps. */
  monotonic: () => number;
}

const systemClocks: DeadlineClocks = { wall: () => Date.now(), monotonic: () => performance.now() };

/** `budgetMs` from now, on both clocks: passed as soon as either says so. */
export function sendDeadline(budgetMs: number, clocks: DeadlineClocks = systemClocks): SendDeadline {
  const wallStart = clocks.wall();
  const monotonicStart = clocks.monotonic();
  return {
    passed: () => clocks.wall() - wallStart > budgetMs || clocks.monotonic() - monotonicStart > budgetMs,
  };
}

/** The email was not handed over: the attempt outlived its deadline (the mail server got no complete message). */
export class SendDeadlinePassedError extends Error {
  override name = 'SendDeadlinePassedError';
  constructor() {
    super('the send attempt outlived its claim (frozen mid-send?): the email was not handed to the mail server');
  }
}

/**
 * The message as the SMTP connection reads it, checked against the deadline before each chunk and
 * before its end. Nothing is read ahead: the connection starts reading once the server has
 * answered DATA, so the first check runs then, after a freeze, and the last one just before the
 * end that makes nodemailer write the final dot. A deadline passed there fails the stream: the
 * server gets no final dot and discards the partial message (RFC 5321 §4.1.1.4), and nodemailer
 * closes the pooled connection instead of reusing it.
 */
export function readUntilDeadline(message: Readable, deadline: SendDeadline, onPassed: () => void): Readable {
  const check = () => {
    if (!deadline.passed()) return;
    onPassed();
    throw new SendDeadlinePassedError();
  };
  async function* checked() {
    for await (const chunk of message) {
      check();
      yield chunk as Buffer;
    }
    check();
  }
  return Readable.from(checked(), { objectMode: false });
}
