import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DkimSettings, createSmtpMailer } from '../../mail/mailer';
import { SendDeadlinePassedError, sendDeadline } from '../../mail/send-deadline';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';

// A worker frozen mid-send (SIGSTOP, a paused VM, a sleeping laptop) resumes in the middle of its
// SMTP conversation. Played here on a real SMTP server: the machine "sleeps" from the moment the
// server reads DATA (the wall clock jumps three minutes, the monotonic one stands still), so the
// deadline passes while the message body is on its way. The server must end up with nothing.
let smtp: MailCatcher;

beforeAll(async () => {
  smtp = await startMailCatcher();
});
afterAll(() => smtp?.close());
beforeEach(() => {
  smtp.messages.length = 0;
  smtp.raw.length = 0;
  smtp.commands.length = 0;
});

const email = (subject: string) => ({
  to: 'zoe.obrien@example.org',
  subject,
  html: `<p>${subject}: Zoë O'Brien &amp; Søn</p>`,
  text: `${subject}: Zoë O'Brien & Søn`,
  messageId: `<${subject.toLowerCase().replace(/\W+/g, '-')}@mail.example.com>`,
});

/** A deadline of 90 s whose wall clock jumps three minutes once the server has read DATA. */
function frozenFromData() {
  const wallStart = Date.now();
  const serverReadData = () => smtp.commands.some((line) => line.toUpperCase() === 'DATA');
  return sendDeadline(90_000, { wall: () => wallStart + (serverReadData() ? 180_000 : 0), monotonic: () => 0 });
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dkim: DkimSettings = {
  domainName: 'mail.example.com',
  keySelector: 'cartflow',
  privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};

describe('the send deadline on a real SMTP server', () => {
  it.each([
    ['unsigned', undefined],
    ['DKIM-signed', dkim],
  ])(
    '%s: a deadline passed mid-conversation hands over no message, and the pooled mailer sends the next one whole',
    async (_label, signing) => {
      const mailer = createSmtpMailer({
        url: smtp.url,
        from: 'Shop <shop@mail.example.com>',
        ...(signing ? { dkim: signing } : {}),
      });
      try {
        const frozen = await mailer
          .send(email('Frozen reminder'), { deadline: frozenFromData() })
          .catch((error: unknown) => error);
        expect(frozen).toBeInstanceOf(SendDeadlinePassedError);
        // It was mid-conversation: the envelope and DATA went out, the body's end did not.
        expect(smtp.commands.map((line) => line.split(':')[0]?.toUpperCase())).toEqual(
          expect.arrayContaining(['MAIL FROM', 'RCPT TO', 'DATA']),
        );

        await mailer.send(email('Next reminder'), { deadline: sendDeadline(90_000) });
        const [received] = await smtp.waitFor(1);
        expect(received?.subject).toBe('Next reminder');
        expect(smtp.raw).toHaveLength(1);
        expect(smtp.raw[0]?.toString()).not.toContain('Frozen reminder');
      } finally {
        mailer.close();
      }
    },
  );

  it('a deadline already passed: no SMTP traffic at all', async () => {
    const mailer = createSmtpMailer({ url: smtp.url, from: 'Shop <shop@mail.example.com>' });
    try {
      const passed = { passed: () => true };
      await expect(mailer.send(email('Too late'), { deadline: passed })).rejects.toBeInstanceOf(
        SendDeadlinePassedError,
      );
      expect(smtp.commands).toEqual([]);
    } finally {
      mailer.close();
    }
  });
});

describe('sendDeadline', () => {
  it('passes when either clock has run past the budget, not before', () => {
    let wall = 1_000;
    let monotonic = 5;
    const deadline = sendDeadline(90_000, { wall: () => wall, monotonic: () => monotonic });
    expect(deadline.passed()).toBe(false);
    wall += 90_000;
    monotonic += 90_000;
    expect(deadline.passed()).toBe(false);
    // A sleeping machine: the wall clock runs on, the monotonic one stands still.
    wall += 1;
    expect(deadline.passed()).toBe(true);
    // The wall clock set back (NTP) does not hide a freeze the monotonic clock saw.
    wall = 0;
    monotonic += 1;
    expect(deadline.passed()).toBe(true);
  });
});
