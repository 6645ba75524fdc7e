import { parseConnectionUrl } from 'nodemailer/lib/shared';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

/**
 * Whether the relay at `url` announces SMTPUTF8 (RFC 6531) in its EHLO reply, read after STARTTLS
 * when the relay offers it. nodemailer sends a non-ASCII address whether or not the relay
 * announced SMTPUTF8 (it only adds the MAIL FROM parameter when it did), so a relay without
 * it may accept the mail and mangle or lose it later: the mailer asks first.
 */
export async function relayAnnouncesSmtpUtf8(url: string): Promise<boolean> {
  const { auth: _auth, ...endpoint } = parseConnectionUrl(url);
  const connection = new SMTPConnection({
    ...endpoint,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      connection.once('error', reject);
      connection.connect(() => resolve());
    });
  } catch (error) {
    connection.close();
    throw error;
  }
  // Once connected, the last reply is the EHLO answer nodemailer reads the extensions from.
  const announced = /^250[ -]SMTPUTF8\b/im.test(connection.lastServerResponse || '');
  connection.quit();
  return announced;
}
