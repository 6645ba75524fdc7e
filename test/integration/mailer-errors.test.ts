import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentSendError, createSmtpMailer } from '../../mail/mailer';

// A real SMTP server that refuses the recipient with a temporary (450) or permanent (550) answer
// quoting the address, as many do: the error the send activity throws must not carry the address.
const ADDRESS = 'zoe.unique+smtp@example.org';
let server: SMTPServer;
let url: string;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const code = address.address.startsWith('temporary') ? 450 : 550;
      callback(Object.assign(new Error(`<${ADDRESS}>: Recipient address rejected`), { responseCode: code }));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const email = (to: string) => ({ to, subject: 'Hi', html: '<p>Hi</p>', text: 'Hi', messageId: '<k@mail.example.com>' });

describe('SMTP refusals', () => {
  it('a temporary refusal: an error with the code, without the address', async () => {
    const mailer = createSmtpMailer({ url, from: 'Shop <shop@mail.example.com>' });
    try {
      const error = await mailer.send(email(`temporary-${ADDRESS}`)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(PermanentSendError);
      expect((error as Error).message).toBe('SMTP send failed (450)');
      expect(
        JSON.stringify({ ...(error as object), message: (error as Error).message, stack: (error as Error).stack }),
      ).not.toContain('zoe.unique');
    } finally {
      mailer.close();
    }
  });

  it('a permanent refusal: PermanentSendError whose message has the code only', async () => {
    const mailer = createSmtpMailer({ url, from: 'Shop <shop@mail.example.com>' });
    try {
      const error = await mailer.send(email(ADDRESS)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PermanentSendError);
      expect((error as Error).message).toBe('SMTP rejected the message permanently (550)');
    } finally {
      mailer.close();
    }
  });
});
