import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeliverEmailInput, deliverEmail } from '../../activities/deliver-email';
import { erasePerson, exportPerson } from '../../app/privacy';
import { storeCartEvent } from '../../db/cart-store';
import { Cart, CartEvent } from '../../domain/events';
import { createSmtpMailer } from '../../mail/mailer';
import { cartUpdatedEvent } from '../helpers/cart-events';
import { type DeliveryStack, startDeliveryStack } from '../helpers/delivery-stack';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';
import { activityEnvironment } from '../helpers/test-logger';
import { reminderSend } from '../helpers/reminder-send';

// IDN and SMTPUTF8 addresses end to end: real Postgres, real SMTP servers (smtp-server), the real
// delivery activity. Addresses reach the activity as the webhook schema left them: canonical.
const shopId = 'shop-idn';
let delivery: DeliveryStack;
let noSmtpUtf8: MailCatcher;

beforeAll(async () => {
  delivery = await startDeliveryStack();
  noSmtpUtf8 = await startMailCatcher({ hideSmtpUtf8: true });
});
afterAll(async () => {
  await noSmtpUtf8?.close();
  await delivery?.close();
});

function sendInput(to: string): DeliverEmailInput {
  const cart = Cart.parse(cartUpdatedEvent({ customer: { email: to } }).data);
  return reminderSend({ shopId, cart, key: `idn-test:${randomUUID()}` });
}

const run = (deps: DeliveryStack['deps'], input: DeliverEmailInput) =>
  activityEnvironment().run(deliverEmail, deps, input);

const messageRow = async (key: string) =>
  (await delivery.database.sql`select status, reason, recipient from messages where key = ${key}`)[0];

describe('sending to international addresses', () => {
  it('an IDN domain goes out as A-labels in the envelope, and the To header decodes to the address', async () => {
    const { smtp } = delivery;
    const input = sendInput('Buyer@Испытание.рф');
    const before = smtp.messages.length;
    expect(await run(delivery.deps, input)).toBe('sent');
    const [message] = (await smtp.waitFor(before + 1)).slice(before);
    // smtp-server reports envelope addresses with U-labels: the commands show what was sent.
    expect(smtp.commands).toContain('RCPT TO:<buyer@xn--80akhbyknj4f.xn--p1ai>');
    expect(smtp.envelopes[before]).toMatchObject({ to: ['buyer@испытание.рф'], smtpUtf8: false });
    expect(smtp.raw[before]!.toString()).toMatch(/^To: buyer@xn--80akhbyknj4f\.xn--p1ai\r$/m);
    const to = Array.isArray(message!.to) ? message!.to[0] : message!.to;
    expect(new URL(`http://${to!.value[0]!.address!.split('@')[1]}`).hostname).toBe('xn--80akhbyknj4f.xn--p1ai');
    expect(await messageRow(input.key)).toMatchObject({ status: 'sent', recipient: 'buyer@xn--80akhbyknj4f.xn--p1ai' });
  });

  it('a non-ASCII local part goes through a relay that announces SMTPUTF8, and uses it', async () => {
    const { smtp } = delivery;
    const input = sendInput('покупатель@магазин.рф');
    const before = smtp.messages.length;
    expect(await run(delivery.deps, input)).toBe('sent');
    await smtp.waitFor(before + 1);
    expect(smtp.envelopes[before]!.smtpUtf8).toBe(true);
    expect(smtp.commands.find((line) => line.includes('покупатель'))).toMatch(/^MAIL FROM:|^RCPT TO:<покупатель@/);
    expect(smtp.commands.filter((line) => line.startsWith('MAIL FROM:')).at(-1)).toMatch(/ SMTPUTF8$/);
    // The whole address in UTF-8, domain included (RFC 6531), as docs/webhooks.md says.
    expect(smtp.commands).toContain('RCPT TO:<покупатель@магазин.рф>');
    expect(smtp.raw[before]!.toString()).toMatch(/^To: покупатель@магазин\.рф\r$/m);
  });

  it('through a relay without SMTPUTF8 it fails for good, says why on the message row, and suppresses nobody', async () => {
    const mailer = createSmtpMailer({ url: noSmtpUtf8.url, from: 'Shop <shop@mail.example.com>' });
    try {
      const input = sendInput('покупатель@магазин.рф');
      const failure = await run({ ...delivery.deps, mailer }, input).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ nonRetryable: true, type: 'UnsendableAddressError' });
      expect(await messageRow(input.key)).toEqual({
        status: 'failed',
        reason: expect.stringContaining('the SMTP relay does not announce SMTPUTF8'),
        recipient: 'покупатель@xn--80aairftm.xn--p1ai',
      });
      expect(noSmtpUtf8.messages).toHaveLength(0);
      const suppressed = await delivery.database.sql`select 1 from suppressions where shop_id = ${shopId}`;
      expect(suppressed).toHaveLength(0);

      // An ASCII address still goes through the same relay.
      expect(await run({ ...delivery.deps, mailer }, sendInput('ada@exämple.org'))).toBe('sent');
      await noSmtpUtf8.waitFor(1);
      expect(noSmtpUtf8.commands).toContain('RCPT TO:<ada@xn--exmple-cua.org>');
      expect(noSmtpUtf8.commands.some((line) => /покупатель/.test(line))).toBe(false);
    } finally {
      mailer.close();
    }
  });
});

describe('privacy requests in any spelling of the address', () => {
  it('an erasure by A-labels finds the customer the shop sent with U-labels, and their welcome event', async () => {
    const { db, sql } = delivery.database;
    const cart = cartUpdatedEvent({ customer: { email: 'X@Испытание.РФ' } });
    const welcome = {
      id: `evt-${randomUUID()}`,
      type: 'customer.created',
      data: { customer: { id: 'c-idn', email: 'x@ИСПЫТАНИЕ.рф' }, welcomeUrl: 'https://shop.example.com/welcome' },
    };
    for (const payload of [cart, welcome]) {
      await storeCartEvent(db, { shopId, event: CartEvent.parse(payload), payload });
    }

    const held = await exportPerson(db, { shopId, email: 'x@XN--80AKHBYKNJ4F.XN--P1AI' });
    expect(held.found && held.document.customer?.email).toBe('x@xn--80akhbyknj4f.xn--p1ai');
    expect(held.found && held.document.cartEvents.map((row) => row.eventId).sort()).toEqual(
      [cart.id, welcome.id].sort(),
    );

    const erased = await erasePerson({ db }, { shopId, email: 'x@XN--80AKHBYKNJ4F.XN--P1AI' });
    expect(erased).toMatchObject({ found: true, tables: { customers: { action: 'anonymised', rows: 1 } } });
    expect(erased.found && erased.tables.cart_events).toEqual({ action: 'anonymised', rows: 2 });
    const left = await sql`select count(*)::int as n from cart_events where shop_id = ${shopId}
      and payload::text ilike ${'%испытание%'}`;
    expect(left[0]?.n).toBe(0);
  });
});
