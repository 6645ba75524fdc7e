import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import {
  type InboundAddresses,
  type InboundMailDeps,
  type InboundOutcome,
  type InboundRecipient,
  handleInboundMail,
  inboundRecipientOf,
} from './inbound-mail';

export interface InboundSmtpOptions {
  /** INBOUND_SMTP_HOST */
  host: string;
  /** INBOUND_SMTP_PORT; 0 picks a free port. */
  port: number;
  /** INBOUND_SMTP_MAX_BYTES: advertised as SIZE, and a larger message is refused with 552. */
  maxBytes: number;
  addresses: InboundAddresses;
  deps: InboundMailDeps;
}

export interface InboundSmtp {
  host: string;
  port: number;
  close(): Promise<void>;
}

const MAX_RECIPIENTS = 10;

const smtpError = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

/**
 * The answer at the end of DATA, which the person who wrote to the mailto may read in their mail
 * program or in a bounce. An erased recipient's mail is accepted with the words the link's page
 * uses: there is nothing to unsubscribe from and no email goes to the address (a 550 "use the
 * link" would send them to a page that says so, and back here).
 */
function replyTo(outcomes: InboundOutcome[]): Error | string | undefined {
  if (outcomes.some((outcome) => outcome.status === 'refused')) {
    return smtpError(550, '5.7.1 No valid unsubscribe token found: use the unsubscribe link in the email');
  }
  if (outcomes.some((outcome) => outcome.status === 'unsubscribed')) {
    return 'OK: unsubscribed from all marketing email';
  }
  if (outcomes.some((outcome) => outcome.status === 'erased')) {
    return 'OK: nothing to unsubscribe from: the data of this address was erased and it gets no email from us';
  }
  return undefined;
}

/**
 * The inbound SMTP listener: the MX for the List-Unsubscribe mailto and the VERP bounce address.
 * Every other recipient is refused at RCPT (550), so it is no open relay and accepts no spam for
 * anyone else. A message is acted on before it is acknowledged: a database outage answers 451 and
 * the sending server tries again later.
 */
export async function startInboundSmtp(options: InboundSmtpOptions): Promise<InboundSmtp> {
  const { deps, addresses } = options;
  const recipientOf = (address: string) => inboundRecipientOf({ addresses, secret: deps.secret }, address);
  const server = new SMTPServer({
    banner: 'cartflow inbound: unsubscribe and bounce mail only',
    // Mail from other servers arrives unauthenticated; STARTTLS stays on with smtp-server's own certificate.
    authOptional: true,
    disabledCommands: ['AUTH'],
    size: options.maxBytes,
    rejectOversized: true,
    maxClients: 50,
    logger: false,
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) {
        callback(smtpError(452, '4.5.3 Too many recipients'));
      } else if (!recipientOf(address.address)) {
        callback(smtpError(550, '5.1.1 No such recipient here'));
      } else {
        callback();
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        if (!stream.sizeExceeded) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (stream.sizeExceeded) return callback(); // answered 552 by smtp-server (rejectOversized)
        const recipients = session.envelope.rcptTo.flatMap((rcpt) => recipientOf(rcpt.address) ?? []);
        accept(Buffer.concat(chunks), recipients).then(
          (reply) => (reply instanceof Error ? callback(reply) : callback(null, reply)),
          (error: unknown) => {
            deps.logger.error({ err: error }, 'inbound mail could not be processed; asked the sender to retry');
            callback(smtpError(451, '4.3.0 Temporary failure, please try again later'));
          },
        );
      });
    },
  });

  async function accept(raw: Buffer, recipients: InboundRecipient[]): Promise<Error | string | undefined> {
    const mail = await simpleParser(raw, { keepDeliveryStatus: true, skipHtmlToText: true, skipTextLinks: true });
    const outcomes: InboundOutcome[] = [];
    const seen = new Set<string>();
    for (const recipient of recipients) {
      const key = recipient.kind === 'bounce' ? `bounce:${recipient.messageId}` : recipient.kind;
      if (seen.has(key)) continue;
      seen.add(key);
      const outcome = await handleInboundMail(deps, recipient, mail, raw);
      deps.logger.info({ recipient: recipient.kind, ...outcome }, 'inbound mail');
      outcomes.push(outcome);
    }
    return replyTo(outcomes);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A broken connection must not end the process; smtp-server reports it here.
  server.on('error', (error) => deps.logger.warn({ err: error }, 'inbound smtp connection error'));
  const { port } = server.server.address() as AddressInfo;
  return {
    host: options.host,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
